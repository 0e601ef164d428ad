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
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
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

        var workers = Enumerable.Range(0, 3)
            .Select(i => new WorkerProcess(_database.ConnectionString, _database.Schema, Path.Combine(_folder, $"calls-{i}.log"), Lease, Capacity))
            .ToArray();
        var (killed, stopped) = (workers[0], workers[1]);
        long killedAt;
        long stoppedAt;
        long continuedAt;
        try
        {
            await WaitForCompletedAsync(store, Runs / 5, workers);
            await killed.KillAsync();
            killedAt = TimeProvider.System.GetUtcNow().UtcTicks;

            await WaitForCompletedAsync(store, Runs * 2 / 5, workers);
            stoppedAt = TimeProvider.System.GetUtcNow().UtcTicks;
            stopped.Stop();
            await Task.Delay(Lease * 2 + TimeSpan.FromSeconds(1));
            stopped.Continue();
            continuedAt = TimeProvider.System.GetUtcNow().UtcTicks;

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

        // The stopped process's late writes were fenced off: attempts it finished after it was continued were
        // recorded from the process that took its runs over, never from it.
        var lateFromStopped = calls.Where(c => c.What == "end" && c.Pid == stopped.Pid && c.Ticks >= continuedAt).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var takenOver = lateFromStopped.Where(k => byKey[k].Any(s => s.Pid != stopped.Pid)).ToList();
        Assert.All(takenOver, key => Assert.NotEqual(stopped.Pid, recordedBy[key]));

        // The per-model limit held across the cluster at every instant, as the workers recorded their calls. A
        // process past its slot's lease counts as gone, as a killed one does: a call the killed process had in
        // flight counts until the kill. The stopped process's calls from its stop until one lease after it was
        // continued are left out: it still believes it holds the slots whose leases lapsed, and may run over
        // the limit then (a known gap, in docs/scale-out.md); every other call counts in full.
        Assert.InRange(MostAtOnce(calls, ChaosWorkflow.Model, (killed.Pid, killedAt, long.MaxValue), (stopped.Pid, stoppedAt, continuedAt + Lease.Ticks)), 1, ChaosWorkflow.ModelLimit);
        output.WriteLine($"{calls.Count(c => c.What == "start")} calls, {repeated.Count} repeated, {takenOver.Count} late writes fenced off");
    }

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The most calls to <paramref name="model"/> in flight at once; a killed process's unfinished calls end when it was killed.</summary>
    /// <summary>
    /// The most calls to <paramref name="model"/> in flight at once. A killed process (<c>Until</c> unbounded): its
    /// call in flight at <c>From</c> ends there. A stopped process: its calls overlapping <c>From</c> to <c>Until</c> are left out.
    /// </summary>
    private static int MostAtOnce(List<CallRecord> calls, string model, params (int Pid, long From, long Until)[] gone)
    {
        var edges = new List<(long Ticks, int Delta)>();
        foreach (var call in calls.Where(c => c.Model == model && c.What == "start"))
        {
            var end = calls.FirstOrDefault(c => c.What == "end" && c.Pid == call.Pid && c.Key == call.Key && c.Ticks >= call.Ticks)?.Ticks ?? long.MaxValue;
            var counted = true;
            foreach (var (pid, from, until) in gone)
            {
                if (call.Pid == pid && until == long.MaxValue && call.Ticks < from && end >= until)
                {
                    end = from;
                }
                else if (call.Pid == pid && until != long.MaxValue && call.Ticks < until && end > from)
                {
                    counted = false;
                }
            }

            if (!counted)
            {
                continue;
            }

            edges.Add((call.Ticks, 1));
            edges.Add((end, -1));
        }

        var (most, now) = (0, 0);
        foreach (var (_, delta) in edges.OrderBy(e => e.Ticks).ThenBy(e => e.Delta))
        {
            now += delta;
            most = Math.Max(most, now);
        }

        return most;
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
