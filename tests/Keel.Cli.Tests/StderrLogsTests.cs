using Keel.Cli.Runs;
using Microsoft.Extensions.Logging;

namespace Keel.Cli.Tests;

/// <summary>What <c>keel worker</c> and <c>keel serve</c> write of their logs: warnings and errors, one line each, on standard error.</summary>
public sealed class StderrLogsTests
{
    [Fact]
    public void Log_WarningsAndErrorsOnALineEach_WithTheCause_InformationLeftOut()
    {
        var error = new StringWriter();
        var logs = new StderrLogs(error, new FixedClock(new DateTimeOffset(2026, 12, 4, 9, 30, 15, TimeSpan.Zero)));
        var logger = logs.CreateLogger("Keel.Orchestrator");

        logger.LogInformation("Claimed run r1");
        logger.LogWarning("Run r2 is blocked");
        logger.LogError(new IOException("disk went away"), "Worker loop: the run store failed\non its claim");
        logger.LogError(new IOException("disk went away"), "the run store failed: disk went away");

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(
            [
                "09:30:15 warn: Run r2 is blocked",
                "09:30:15 error: Worker loop: the run store failed on its claim (IOException: disk went away)",
                "09:30:15 error: the run store failed: disk went away",
            ],
            lines);
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Critical));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
