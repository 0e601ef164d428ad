using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Keel.AI.Tests;

/// <summary>Every log line (with its exception) written through the factory, at every level.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILoggerFactory Factory => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public string Text => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"scope {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Every activity of every source that stops while it is alive.</summary>
internal sealed class CapturedActivities : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _activities = new();

    public CapturedActivities()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Activities => _activities.ToArray();

    /// <summary>Names, tags, status and events of every activity, as text.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var activity in _activities)
            {
                text.Append(activity.Source.Name).Append(' ').Append(activity.DisplayName).Append(' ').Append(activity.StatusDescription).Append('\n');
                foreach (var tag in activity.TagObjects)
                {
                    text.Append("  ").Append(tag.Key).Append('=').Append(tag.Value).Append('\n');
                }

                foreach (var e in activity.Events)
                {
                    text.Append("  event ").Append(e.Name);
                    foreach (var tag in e.Tags)
                    {
                        text.Append(' ').Append(tag.Key).Append('=').Append(tag.Value);
                    }

                    text.Append('\n');
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
