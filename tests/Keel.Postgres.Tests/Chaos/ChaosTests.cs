using System.Text.Json;
using Keel.Postgres.ChaosHost;
using Keel.Postgres.Tests.Support;
using Xunit.Abstractions;

namespace Keel.Postgres.Tests.Chaos;

/// <summary>
/// Three worker processes drive 300 runs of a five-step workflow with a loop-back from one PostgreSQL store.
/// One is killed with SIGKILL mid-run; another is stopped with SIGSTOP past its lease and then continued, so
/// its late writes meet a newer fence. Every call is recorded by the workers themselves.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChaosTests(PostgresServer server, ITestOutputHelper output) : IDisposable
{
    private const int Runs = 300;
    private const int Capacity = 8;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private readonly PostgresDatabase _database = new(server);
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-chaos-").FullName;

    [Fact]
    public async Task ThreeWorkers_OneKilledOneStoppedPastItsLease_EveryRunCompletesOnceWithinTheLimits()
    {
        await using var store = _database.Open();
        var starter = new Orchestrator(new OrchestratorOptions { RunStore = store });
        foreach (var type in new[] { WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer, WorkerType.Tester, WorkerType.Deployer })
        {
            starter.RegisterWorker(new WorkerDefinition(type, type.Value, "", (_, _, _) => throw new InvalidOperationException("the starter drives no run")));
        }

        starter.RegisterWorkflow(ChaosWorkflow.Create());
        var runIds = new List<string>();
        for (var i = 0; i < Runs; i++)
        {
            runIds.Add((await starter.StartAsync(ChaosWorkflow.Name, "ship it")).RunId);
        }

        var hold = Path.Combine(_folder, "hold");
        var workers = Enumerable.Range(0, 3)
            .Select(i => new WorkerProcess(_database.ConnectionString, _database.Schema, Path.Combine(_folder, $"calls-{i}.log"), Lease, Capacity, i == 1 ? hold : null))
            .ToArray();
        var (killed, stopped) = (workers[0], workers[1]);
        long killedAt;
        long stoppedAt;
        long continuedAt;
        string heldRun;
        string heldKey;
        try
        {
            await WaitForCompletedAsync(store, Runs / 5, workers);
            await killed.KillAsync();
            killedAt = TimeProvider.System.GetUtcNow().UtcTicks;

            // The stop lands while a checkpoint is in flight: the worker process holds its next code-step commit on the marker file.
            await WaitForCompletedAsync(store, Runs * 2 / 5, workers);
            await File.WriteAllTextAsync(hold, "hold");
            (heldKey, heldRun) = await WaitForHeldAsync(stopped);
            stoppedAt = TimeProvider.System.GetUtcNow().UtcTicks;
            stopped.Stop();
            File.Delete(hold);

            // Past its run and slot leases (twice the run's, in the host), until another worker has recorded the held attempt.
            await Task.Delay(Lease * 3 + TimeSpan.FromSeconds(1));
            await WaitForRecordedAsync(store, heldRun, heldKey, workers);
            continuedAt = TimeProvider.System.GetUtcNow().UtcTicks;
            stopped.Continue();

            // The held checkpoint reaches the store once the process runs again (the other workers may have
            // finished every run by then, and are not to be stopped before it has).
            await WaitForLineAsync(stopped, "refused|" + heldRun + "|");

            await WaitForCompletedAsync(store, Runs, workers);
        }
        finally
        {
            foreach (var worker in workers)
            {
                output.WriteLine($"worker {worker.Pid}: {worker.Output}");
                worker.Dispose();
            }
        }

        var calls = CallRecord.ReadAll(workers.Select(w => w.Log));

        // Every run completed, with each committed attempt exactly once: plan, code, review (failed), code, review, test, deploy.
        var recordedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var runId in runIds)
        {
            var run = await store.GetRunAsync(runId, default);
            Assert.Equal(WorkflowState.Completed, run!.State);
            var history = await store.GetHistoryAsync(runId, default);
            Assert.Equal(Enumerable.Range(0, ChaosWorkflow.AttemptsPerRun), history.Select(h => h.Sequence));
            Assert.Equal(["plan", "code", "review", "code", "review", "test", "deploy"], history.Select(h => h.StepId));
            Assert.Equal(history.Count, history.Select(h => h.IdempotencyKey).Distinct(StringComparer.Ordinal).Count());
            foreach (var entry in history)
            {
                recordedBy[entry.IdempotencyKey] = entry.Output.ValueKind == JsonValueKind.Object
                    ? entry.Output.GetProperty("by").GetInt32()
                    : calls.Last(c => c.Key == entry.IdempotencyKey && c.What == "end").Pid;
            }

            // Events gapless from 1, ending with the run's end.
            var events = await store.GetEventsAsync(runId, 0, 10_000, default);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            Assert.IsType<RunEnded>(events[^1]);
        }

        // Every committed attempt was called; a key called more than once was called again only because the
        // process that called it first was killed or stopped past its lease.
        var byKey = calls.Where(c => c.What == "start").GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Assert.All(recordedBy.Keys, key => Assert.True(byKey.ContainsKey(key), $"attempt {key} was recorded but never called"));
        var repeated = byKey.Where(k => k.Value.Count > 1).ToList();
        foreach (var (key, starts) in repeated)
        {
            var writer = recordedBy[key];
            Assert.All(starts.Where(s => s.Pid != writer), s => Assert.True(
                s.Pid == killed.Pid || s.Pid == stopped.Pid,
                $"attempt {key} ran again after a call by process {s.Pid}, which was neither killed nor stopped"));
            Assert.True(starts.Count <= 3, $"attempt {key} ran {starts.Count} times");
        }

        Assert.True(repeated.Count <= 2 * Capacity, $"{repeated.Count} attempts ran more than once; the crash and the pause explain at most {2 * Capacity}");

        // The stopped process's late write was fenced off: the checkpoint of the attempt it had in flight was
        // refused when it continued, and the attempt stands recorded once, by the process that took the run over.
        var refused = File.ReadAllLines(stopped.Log).Where(l => l.StartsWith("refused|", StringComparison.Ordinal)).Select(l => l.Split('|')).ToList();
        Assert.Contains(refused, f => f[1] == heldRun && f[2] == heldKey);
        var heldHistory = await store.GetHistoryAsync(heldRun, default);
        var heldEntry = Assert.Single(heldHistory, h => h.IdempotencyKey == heldKey);
        Assert.NotEqual(stopped.Pid, heldEntry.Output.GetProperty("by").GetInt32());

        // The per-model limit and the per-workflow run limit held across the cluster at every instant, as the
        // workers recorded their calls and runs, for every call and run. A process that is gone gives up what it
        // held: a killed process's call or run in flight ends, for the cluster, when it was killed; a stopped
        // process's, when it was stopped (its slots' leases lapsed and went to others). Whatever the stopped
        // process starts once continued counts in full: it is admitted only on slots confirmed still its own.
        var gone = new[] { (killed.Pid, killedAt, long.MaxValue), (stopped.Pid, stoppedAt, continuedAt) };
        AssertAtMost(ChaosWorkflow.ModelLimit, Held.Calls(calls, ChaosWorkflow.Model), gone, $"calls to {ChaosWorkflow.Model}", (killedAt, stoppedAt, continuedAt));
        var runs = Held.Runs(workers.Select(w => w.Log));
        AssertAtMost(ChaosWorkflow.RunLimit, runs, gone, $"runs of {ChaosWorkflow.Name}", (killedAt, stoppedAt, continuedAt));
        output.WriteLine($"{calls.Count(c => c.What == "start")} calls, {repeated.Count} repeated, {runs.Count} runs admitted, {refused.Count} late writes refused");
    }

    public void Dispose()
    {
        _database.Dispose();

        // KEEL_CHAOS_KEEP=1 keeps the workers' logs, to look into a failure.
        if (Environment.GetEnvironmentVariable("KEEL_CHAOS_KEEP") != "1")
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static void AssertAtMost(int limit, List<Held> held, (int Pid, long From, long Until)[] gone, string what, (long Killed, long Stopped, long Continued) times)
    {
        var (most, at) = MostAtOnce(held, gone);
        Assert.True(most >= 1 && most <= limit, $"{most} {what} at once (limit {limit}) at {at} (killed {times.Killed}, stopped {times.Stopped}, continued {times.Continued}): "
            + string.Join("; ", held.Where(h => h.Start <= at && h.End >= at).Select(h => $"pid {h.Pid} from {h.Start} to {h.End}")));
    }

    /// <summary>
    /// The most of <paramref name="held"/> at once, and when. For a process gone from <c>From</c> (killed: <c>Until</c>
    /// unbounded; stopped: continued at <c>Until</c>), what it held across <c>Until</c> ends at <c>From</c>.
    /// </summary>
    private static (int Most, long At) MostAtOnce(List<Held> held, params (int Pid, long From, long Until)[] gone)
    {
        var edges = new List<(long Ticks, int Delta)>();
        foreach (var (pid, start, end) in held)
        {
            var until = end;
            foreach (var (gonePid, from, back) in gone)
            {
                if (pid == gonePid && start < back && end >= back)
                {
                    until = Math.Max(start, from);
                }
            }

            edges.Add((start, 1));
            edges.Add((until, -1));
        }

        var (most, now, at) = (0, 0, 0L);
        foreach (var (ticks, delta) in edges.OrderBy(e => e.Ticks).ThenBy(e => e.Delta))
        {
            now += delta;
            if (now > most)
            {
                (most, at) = (now, ticks);
            }
        }

        return (most, at);
    }

    /// <summary>The key and run of the checkpoint the worker holds on the marker file, once it logged it.</summary>
    private static async Task<(string Key, string Run)> WaitForHeldAsync(WorkerProcess worker)
        => (await WaitForLineAsync(worker, "held|")).Split('|') is [_, var key, var run, _]
            ? (key, run)
            : throw new InvalidOperationException($"worker {worker.Pid} logged a malformed 'held' line");

    /// <summary>The first line of the worker's log starting with <paramref name="prefix"/>, once there is one.</summary>
    private static async Task<string> WaitForLineAsync(WorkerProcess worker, string prefix)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            if (File.ReadAllLines(worker.Log).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"worker {worker.Pid} logged no '{prefix}' line within 2 minutes: {worker.Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the attempt <paramref name="key"/> of <paramref name="runId"/> is recorded (by whoever took the run over).</summary>
    private static async Task WaitForRecordedAsync(IRunStore store, string runId, string key, WorkerProcess[] workers)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!(await store.GetHistoryAsync(runId, default)).Any(h => h.IdempotencyKey == key))
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"attempt {key} was not taken over within 2 minutes; workers:\n" + string.Join("\n", workers.Select(w => $"{w.Pid} exited={w.HasExited}: {w.Output}")));
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitForCompletedAsync(IRunStore store, int count, WorkerProcess[] workers)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var counts = await store.CountRunsAsync(default);
            var ended = counts.GetValueOrDefault(WorkflowState.Completed) + counts.GetValueOrDefault(WorkflowState.Failed) + counts.GetValueOrDefault(WorkflowState.Cancelled);
            if (ended >= count)
            {
                return;
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"{ended} of {count} runs ended within 3 minutes ({string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}); workers:\n"
                    + string.Join("\n", workers.Select(w => $"{w.Pid} exited={w.HasExited}: {w.Output}")));
            }

            await Task.Delay(200);
        }
    }
}
