using Keel.Cli.Commands;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Keel.Cli.Tests;

/// <summary><c>keel watch RUN</c> in one process follows a run that another process drives.</summary>
public sealed partial class WatchCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Watch_FromAnotherProcess_PrintsTheRunsEventsInOrder_AndExitsWithTheRunsEndCode()
    {
        // Step two waits until go.flag exists, so the run is still going when the watcher attaches; step three fails.
        var file = _folder.Write("watched.yaml", """
            name: watched
            goal: be watched
            workers:
              quick:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"quick\":true}'"]
              waiter:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; touch waiting.flag; while [ ! -f go.flag ]; do sleep 0.05; done; printf '{\"went\":true}'"]
              broken:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; echo 'no disk' >&2; exit 1"]
            steps:
              - id: one
                worker: quick
                on_success: two
              - id: two
                worker: waiter
                on_success: three
              - id: three
                worker: broken
            """);

        using var runner = Process.Start(KeelProcess.StartInfo(_folder.Path, "run", file))!;
        runner.StandardInput.Close();
        var runnerOut = runner.StandardOutput.ReadToEndAsync();
        var runnerErr = runner.StandardError.ReadToEndAsync();
        await InterruptTests.WaitUntil(() => File.Exists(_folder.File("waiting.flag")), runner);
        var listed = await KeelProcess.RunAsync(_folder.Path, "runs", "--json");
        string runId;
        using (var runs = JsonDocument.Parse(listed.Out))
        {
            runId = runs.RootElement.EnumerateArray().Single().GetProperty("run_id").GetString()!;
        }

        using var watcher = Process.Start(KeelProcess.StartInfo(_folder.Path, "watch", runId))!;
        watcher.StandardInput.Close();
        var watchOut = watcher.StandardOutput.ReadToEndAsync();
        var watchErr = watcher.StandardError.ReadToEndAsync();
        await InterruptTests.WaitUntil(() => !watcher.HasExited && File.Exists(_folder.File("waiting.flag")), null);
        File.WriteAllText(_folder.File("go.flag"), "go");

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await runner.WaitForExitAsync(limit.Token);
        await watcher.WaitForExitAsync(limit.Token);
        var lines = (await watchOut).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var context = $"run exit {runner.ExitCode}: {await runnerOut} {await runnerErr}\nwatch exit {watcher.ExitCode}: {string.Join('\n', lines)} {await watchErr}";

        Assert.True(runner.ExitCode == 1, context);
        Assert.True(watcher.ExitCode == runner.ExitCode, context);
        var events = lines.Select(l => EventLine().Match(l)).Where(m => m.Success).Select(m => (Sequence: long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Type: m.Groups[2].Value, What: m.Groups[3].Value)).ToArray();
        Assert.Equal(Enumerable.Range(1, events.Length).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(
            ["run_created", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "run_ended"],
            events.Select(e => e.Type));
        Assert.StartsWith("three [broken/", events[^2].What, StringComparison.Ordinal);
        Assert.Contains(": failed in", events[^2].What, StringComparison.Ordinal);
        Assert.StartsWith("failed at", events[^1].What, StringComparison.Ordinal);
        Assert.Equal(events.Length, lines.Length);
    }

    [GeneratedRegex(@"^\s*(\d+)\s+\d\d:\d\d:\d\d\.\d{3}\s+(\w+)\s+(.*)$")]
    private static partial Regex EventLine();

    [Fact]
    public async Task Watch_AfterTheLastEventOfAnEndedRun_EndsAtOnce_AndANegativeAfterIsRefused()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "x", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var runId = JsonDocument.Parse(run.Out).RootElement.GetProperty("run_id").GetString()!;
        var all = await KeelProcess.RunAsync(_folder.Path, "watch", runId);
        var last = all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

        // A reconnect after run_ended (the last line printed) and one past it: nothing more to print, exit 0.
        foreach (var after in new[] { last, last + 100 })
        {
            var again = await KeelProcess.RunAsync(_folder.Path, "watch", runId, "--after", after.ToString(System.Globalization.CultureInfo.InvariantCulture)).WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal(string.Empty, again.Out.Trim());
        }

        var negative = await KeelProcess.RunAsync(_folder.Path, "watch", runId, "--after", "-1");
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("--after -1 is not a sequence", negative.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_ABranchAttemptFinished_NamesTheBranchItsOutcomeAndError()
    {
        var entry = new HistoryEntry
        {
            Sequence = 1, StepId = "fan/a", WorkerType = new WorkerType("w"), WorkerName = "w", Visit = 1, Attempt = 2,
            Outcome = AttemptOutcome.Failed, Error = "no disk", Timestamp = DateTimeOffset.UnixEpoch, Duration = TimeSpan.FromMilliseconds(12),
            NextStep = "fan/a", RunId = "r",
        };
        var line = WatchCommand.Line(new BranchAttemptFinished { RunId = "r", Sequence = 6, Timestamp = DateTimeOffset.UnixEpoch, Entry = entry });

        Assert.EndsWith("fan/a [w/w] attempt 2: failed in 12 ms  no disk", line, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
