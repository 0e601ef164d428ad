using Microsoft.Extensions.Logging;

namespace Keel.Cli.Runs;

/// <summary>
/// The logs of the long-running commands (<c>keel worker</c>, <c>keel serve</c>): warnings and errors, one line
/// each on standard error, <c>HH:mm:ss warn: message</c>, with the exception's type and message for an error
/// (no stack trace: the message names the problem and where it is). The hub's and the HTTP server's messages
/// both come here, so a store that fails while the command runs, or a request that failed, is never silent.
/// </summary>
internal sealed class StderrLogs(TextWriter error, TimeProvider? time = null) : ILoggerFactory, ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var label = level switch
        {
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "fail",
        };
        var cause = exception is null || message.Contains(exception.Message, StringComparison.Ordinal)
            ? string.Empty
            : $" ({exception.GetType().Name}: {exception.Message})";
        var line = $"{_time.GetLocalNow():HH:mm:ss} {label}: {message.ReplaceLineEndings(" ")}{cause.ReplaceLineEndings(" ")}";
        lock (_lock)
        {
            error.WriteLine(line);
            error.Flush();
        }
    }

    private sealed class Logger(StderrLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
