using Keel.CrashHost;
using Keel.Sqlite.Tests.Support;
using Keel.Testing;

namespace Keel.Sqlite.Tests.Crash;

/// <summary>
/// Real processes: a child runs the five-step workflow against a SQLite file and is killed with SIGKILL while
/// an attempt is in flight; another process recovers. Nothing committed is lost or duplicated, the killed
/// attempt runs again with the same idempotency key, and the data bus ends as an uninterrupted run leaves it.
/// </summary>
public sealed class CrashTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Crash_KilledInsideEachOfTheFiveSteps_RecoveredByAnotherProcess()
    {
        // The five cases are independent files and processes: run them side by side.
        await Task.WhenAll(Enumerable.Range(1, 5).Select(KilledInsideStepAsync));
    }

    [Fact]
    public async Task Crash_FiftyConcurrentRunsKilledAtOnce_AllRecoveredWithoutDuplicates()
    {
        using var db = new TempDatabase();
        var log = db.File("side-effects.log");
        const int runs = 50;
        var blocked = Enumerable.Range(0, runs).ToDictionary(RunIdOf, i => CrashWorkflow.Steps[i % 5]);

        using (var child = CrashHostProcess.Run(db.Path, log, runs, "spread"))
        {
            await WaitForAsync(child, log, lines => blocked.All(b => lines.Any(l => l.RunId == b.Key && l.StepId == b.Value)));
            await child.KillAsync();
        }

        await RecoverAsync(db.Path, log);

        var lines = SideEffectLog.Read(log);
        using var store = SqliteRunStore.Open(db.Path);
        for (var i = 0; i < runs; i++)
        {
            await AssertRecoveredAsync(store, lines, RunIdOf(i), i, blocked[RunIdOf(i)]);
        }
    }

    [Fact]
    public async Task Crash_KilledHoldingALongLease_ARecoveryStartedOneSecondLater_TakesTheDeadProcesssLeaseAtOnce()
    {
        using var db = new TempDatabase();
        var log = db.File("side-effects.log");
        var step = CrashWorkflow.Steps[2];
        RunRecord killed;

        using (var child = CrashHostProcess.RunHoldingLease(db.Path, log, "3", leaseSeconds: 600))
        {
            await WaitForAsync(child, log, lines => lines.Any(l => l.StepId == step));
            await child.KillAsync();
        }

        using (var store = SqliteRunStore.Open(db.Path))
        {
            killed = (await store.GetRunAsync(RunIdOf(0), default))!;
            Assert.Equal((WorkflowState.Running, step), (killed.State, killed.CurrentStep));
            Assert.NotNull(killed.LeaseOwner);
            Assert.True(killed.LeaseExpires > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5), $"the killed process's lease runs until {killed.LeaseExpires}");
        }

        // As a host restarted right after the crash: one recovery pass, which finds the lease unexpired.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using (var recovery = CrashHostProcess.RecoverOnce(db.Path, log, leaseSeconds: 600))
        {
            Assert.True(await recovery.ExitCodeAsync(Limit) == 0, recovery.Output);
        }

        using var reader = SqliteRunStore.Open(db.Path);
        var events = await reader.GetEventsAsync(RunIdOf(0), 0, 1000, default);
        var takeover = Assert.Single(events.OfType<LeaseLost>());
        Assert.Equal(killed.LeaseOwner, takeover.PreviousOwner);
        Assert.True(takeover.Timestamp < killed.LeaseExpires, $"taken over at {takeover.Timestamp}, the dead lease ran until {killed.LeaseExpires}");
        await AssertRecoveredAsync(reader, SideEffectLog.Read(log), RunIdOf(0), 0, step);
    }

    private static async Task KilledInsideStepAsync(int k)
    {
        using var db = new TempDatabase();
        var log = db.File("side-effects.log");
        var step = CrashWorkflow.Steps[k - 1];
        int committedBeforeKill;

        using (var child = CrashHostProcess.Run(db.Path, log, 1, k.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await WaitForAsync(child, log, lines => lines.Any(l => l.StepId == step));
            await child.KillAsync();
        }

        using (var store = SqliteRunStore.Open(db.Path))
        {
            var interrupted = await store.GetRunAsync(RunIdOf(0), default);
            Assert.NotNull(interrupted);
            Assert.Equal(WorkflowState.Running, interrupted.State);
            Assert.Equal(step, interrupted.CurrentStep);
            committedBeforeKill = interrupted.HistoryCount;
            Assert.Equal(SideEffectLog.Read(log).Count - 1, committedBeforeKill);
        }

        await RecoverAsync(db.Path, log);

        using var reader = SqliteRunStore.Open(db.Path);
        await AssertRecoveredAsync(reader, SideEffectLog.Read(log), RunIdOf(0), 0, step);
    }

    private static async Task AssertRecoveredAsync(SqliteRunStore store, IReadOnlyList<(string RunId, string StepId, string Key)> allLines, string runId, int seed, string killedStep)
    {
        var run = await store.GetRunAsync(runId, default);
        Assert.NotNull(run);
        Assert.Equal(WorkflowState.Completed, run.State);
        var history = await store.GetHistoryAsync(runId, default);
        var keys = history.Select(h => h.IdempotencyKey).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, history.Count), history.Select(h => h.Sequence));

        var lines = allLines.Where(l => l.RunId == runId).Select(l => l.Key).ToList();
        var killedKey = $"{runId}:{killedStep}:1:1";
        Assert.Equal(2, lines.Count(k => k == killedKey));
        Assert.Single(keys, k => k == killedKey);
        foreach (var key in keys.Where(k => k != killedKey))
        {
            Assert.Single(lines, l => l == key);
        }

        Assert.Equal(keys.Count + 1, lines.Count);

        var baseline = await BaselineAsync(runId, seed);
        RecordedValues.History(baseline.History, history, exact: false);
        RecordedValues.Data(baseline.Data, run.Data, $"{runId} data bus");
    }

    private static async Task<WorkflowResult> BaselineAsync(string runId, int seed)
    {
        var orchestrator = CrashWorkflow.Register(new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore() }));
        return await orchestrator.ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = runId, Data = new Dictionary<string, object?> { ["seed"] = seed } });
    }

    private static async Task RecoverAsync(string db, string log)
    {
        using var recover = CrashHostProcess.Recover(db, log);
        var code = await recover.ExitCodeAsync(Limit);
        Assert.True(code == 0, $"recovery exited with {code}:\n{recover.Output}");
    }

    /// <summary>Polls the side-effect log until <paramref name="ready"/> holds (the child is then held inside its step).</summary>
    private static async Task WaitForAsync(CrashHostProcess child, string log, Func<IReadOnlyList<(string RunId, string StepId, string Key)>, bool> ready)
    {
        using var timeout = new CancellationTokenSource(Limit);
        while (!ready(SideEffectLog.Read(log)))
        {
            Assert.False(child.HasExited, $"The crash host exited before it was killed:\n{child.Output}");
            Assert.False(timeout.IsCancellationRequested, $"The crash host did not reach the step within {Limit}:\n{child.Output}");
            await Task.Delay(20);
        }
    }

    private static string RunIdOf(int i) => $"run-{i:D2}";
}
