using Keel.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Storage;

/// <summary>A long-running worker loop outlives a store that fails for a while; a one-shot recovery reports the failure.</summary>
public sealed class WorkerLoopStoreFailureTests
{
    private static readonly WorkerType Writer = new("writer");

    [Fact]
    public async Task WorkerLoop_ClaimFailsTwice_LogsIt_KeepsClaiming_AndDrivesTheRun()
    {
        var store = new FailingClaims(new InMemoryRunStore(), failures: 2);
        var logs = new CapturingLoggerFactory();
        var orchestrator = Process(store, logs);
        using var stop = new CancellationTokenSource();
        var loop = orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(10) }, stop.Token);

        var handle = await orchestrator.StartAsync("write", "g");
        var result = await handle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.True(store.Claims > 2);
        var failed = logs.Logs.Where(l => l.EventId == 306).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, l => Assert.Equal(LogLevel.Error, l.Level));
        Assert.Contains("disk went away", failed[0].Message, StringComparison.Ordinal);
        Assert.Contains("failure 2 in a row", failed[1].Message, StringComparison.Ordinal);
        Assert.Single(logs.Logs, l => l.EventId == 307 && l.Message.Contains("2 failure(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkerLoop_ARunThatCannotBeDriven_IsLeftAloneForAWhile_NotClaimedAgainAtOnce()
    {
        // Every commit of run "stuck" fails, so its drive throws out of the driver. The loop must not claim it
        // again on its next turn (which claims the second run): without a pause it would call the worker again.
        var store = new FailingCommits(new InMemoryRunStore(), "stuck");
        var logs = new CapturingLoggerFactory();
        var orchestrator = Process(store, logs);
        var calls = 0;
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(new WorkerType("stuck"), "Stuck", (input, context) =>
        {
            Interlocked.Increment(ref calls);
            return "value";
        }));
        var stuck = new WorkflowDefinition("stuck");
        stuck.AddStep(new WorkflowStep("work", new WorkerType("stuck")), isInitial: true);
        orchestrator.RegisterWorkflow(stuck);
        using var stop = new CancellationTokenSource();
        var loop = orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMinutes(1) }, stop.Token);

        await orchestrator.StartAsync("stuck", "g", new ExecuteOptions { RunId = "stuck" });
        while (!logs.Logs.Any(l => l.EventId == 303))
        {
            await Task.Delay(10);
        }

        var other = await orchestrator.StartAsync("write", "g");
        var result = await other.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, Volatile.Read(ref calls));
        var failed = Assert.Single(logs.Logs, l => l.EventId == 303);
        Assert.Contains("commits refused", failed.Message, StringComparison.Ordinal);
        Assert.Contains("leaves it for 00:01:00 (failure 1 in a row)", failed.Message, StringComparison.Ordinal);
        var left = (await store.GetRunAsync("stuck", CancellationToken.None))!;
        Assert.Equal(WorkflowState.Pending, left.State);
        Assert.Null(left.LeaseOwner);
    }

    [Fact]
    public async Task WorkerLoop_ARunBlockedByAChangedDefinition_IsLeftAlone_AndSaidOnceAsAWarning()
    {
        var store = new InMemoryRunStore();
        var before = Process(store, new CapturingLoggerFactory());
        var blocked = await before.StartAsync("write", "g");
        var logs = new CapturingLoggerFactory();
        var after = new Orchestrator(new OrchestratorOptions { RunStore = store, LoggerFactory = logs });
        after.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) => "draft", "Writes"));
        var changed = new WorkflowDefinition("write");
        changed.AddStep(new WorkflowStep("write", Writer, maxRetries: 1), isInitial: true);
        after.RegisterWorkflow(changed);
        using var stop = new CancellationTokenSource();

        var loop = after.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(10) }, stop.Token);
        var other = await after.StartAsync("write", "g");
        var done = await other.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WorkflowState.Completed, done.State);
        var warning = Assert.Single(logs.Logs, l => l.EventId == 304);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(blocked.RunId, warning.Message, StringComparison.Ordinal);
        Assert.Equal(WorkflowState.Pending, (await store.GetRunAsync(blocked.RunId, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task RecoverAsync_ClaimFails_ThrowsTheStoresError()
    {
        var orchestrator = Process(new FailingClaims(new InMemoryRunStore(), failures: 1), new CapturingLoggerFactory());

        var error = await Assert.ThrowsAsync<IOException>(() => orchestrator.RecoverAsync());

        Assert.Equal("disk went away", error.Message);
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(4, 800)]
    [InlineData(9, 25_600)]
    [InlineData(10, 30_000)]
    [InlineData(1_000, 30_000)]
    public void StoreRetryDelay_DoublesFromThePollIntervalUpToThirtySeconds(int failures, int milliseconds)
        => Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Orchestrator.StoreRetryDelay(TimeSpan.FromMilliseconds(100), failures));

    [Fact]
    public void StoreRetryDelay_APollIntervalAboveTheLimit_IsKept()
        => Assert.Equal(TimeSpan.FromMinutes(2), Orchestrator.StoreRetryDelay(TimeSpan.FromMinutes(2), 5));

    private static Orchestrator Process(IRunStore store, ILoggerFactory logs)
    {
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store, LoggerFactory = logs });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) => "draft", "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("write", Writer), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }

    /// <summary>Fails the first claims, as a store whose disk or server is gone for a while does.</summary>
    private sealed class FailingClaims(IRunStore inner, int failures) : DelegatingRunStore(inner)
    {
        private int _claims;

        public int Claims => Volatile.Read(ref _claims);

        public override ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
            => Interlocked.Increment(ref _claims) <= failures
                ? throw new IOException("disk went away")
                : base.ClaimRunsAsync(request, cancellationToken);
    }

    /// <summary>Refuses every commit of one run, so driving it fails out of the driver.</summary>
    private sealed class FailingCommits(IRunStore inner, string runId) : DelegatingRunStore(inner)
    {
        public override ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
            => checkpoint.RunId == runId ? throw new IOException("commits refused") : base.CommitAsync(checkpoint, cancellationToken);
    }
}
