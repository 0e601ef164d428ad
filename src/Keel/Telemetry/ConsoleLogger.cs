using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>The logger verbose mode uses when no logger factory is configured: one line per event on stdout.</summary>
internal sealed class ConsoleLoggerFactory : ILoggerFactory
{
    public static ConsoleLoggerFactory Instance { get; } = new();

    public ILogger CreateLogger(string categoryName) => ConsoleLogger.Instance;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ConsoleLogger : ILogger
    {
        public static ConsoleLogger Instance { get; } = new();

        private static readonly Lock Gate = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var marker = logLevel >= LogLevel.Warning ? "!" : "-";
            lock (Gate)
            {
                Console.Out.WriteLine($"[keel] {marker} {formatter(state, exception)}");
            }
        }
    }
}
