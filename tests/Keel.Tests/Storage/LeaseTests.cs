using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Claims and leases: one process drives a run at a time, and a late writer is fenced off.</summary>
public sealed class LeaseTests : DurableRunTestBase
{
    [Fact]
    public async Task Execute_RunThatEndsOrParks_FreesTheLeaseWithItsLastCheckpoint_NoSeparateWrite()
    {
        var store = new CountingStore(Store);
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(Clock, store, ownerId: "process-1").With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var approval = new WorkflowDefinition("gated");
        approval.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, onSuccess: "sign_off"), isInitial: true);
        approval.AddStep(WorkflowStep.Approval("sign_off", "Ship it?", onApproved: WorkflowStep.Complete));
        orchestrator.RegisterWorkflow(approval);

        var completed = await orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "ends" });
        var parked = await orchestrator.ExecuteWorkflowAsync("gated", "g", new ExecuteOptions { RunId = "parks" });

        Assert.Equal((WorkflowState.Completed, WorkflowState.WaitingForApproval), (completed.State, parked.State));
        Assert.Equal((2, 3 + 2, 0), (store.Creates, store.Commits, store.Releases));
        foreach (var runId in new[] { "ends", "parks" })
        {
            var run = await Store.GetRunAsync(runId, default);
            Assert.Equal(((string?)null, (DateTimeOffset?)null), (run!.LeaseOwner, run.LeaseExpires));
        }

        var other = Process("process-2");
        Assert.Equal(WorkflowState.Completed, (await other.Orchestrator.ApproveAsync("parks", "sign_off", "ana")).State);
    }

    [Fact]
    public async Task Resume_RunHeldByAnotherProcess_IsRefused()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 1);
        using var stop = new CancellationTokenSource();
        var running = first.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "run-held" }, stop.Token);
        await blocked.WaitAsync();

        var second = Process("process-2");
        var elsewhere = await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => second.Orchestrator.ResumeAsync("run-held"));
        Assert.Equal(("run-held", "process-1"), (elsewhere.RunId, elsewhere.Owner));
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => first.Orchestrator.ResumeAsync("run-held"));
        Assert.Equal(0, second.Coder.CallCount);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WorkflowState.Completed, (await second.Orchestrator.ResumeAsync("run-held")).State);
    }

    [Fact]
    public async Task Resume_LeaseOfADeadProcess_IsTakenOverOnlyOnceItExpiresAndFencesTheOldOwner()
    {
        var first = Process("process-1");
        await Interrupt(first.Orchestrator, "run-dead", BlockOn(first.Coder, attempt: 1));
        var deadFence = await Store.TryAcquireLeaseAsync("run-dead", "dead-process", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.NotNull(deadFence);

        var second = Process("process-2");
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => second.Orchestrator.ResumeAsync("run-dead"));
        Clock.Advance(TimeSpan.FromSeconds(31));
        var result = await second.Orchestrator.ResumeAsync("run-dead");

        Assert.Equal(WorkflowState.Completed, result.State);
        var late = new Checkpoint
        {
            RunId = "run-dead",
            Fence = deadFence!.Value,
            State = WorkflowState.Failed,
            CurrentStep = WorkflowStep.Failed,
            Visit = 1,
            Attempt = 1,
            StepsTaken = 1,
            UpdatedAt = Clock.GetUtcNow(),
        };
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => Store.CommitAsync(late, CancellationToken.None).AsTask());
        Assert.Equal(WorkflowState.Completed, (await Store.GetRunAsync("run-dead", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Execute_LeaseTakenOverWhileAttemptInFlight_StopsWithoutWriting()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 1);
        var run = first.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "run-stolen" });
        await blocked.WaitAsync();

        // Another process takes the lease over (as if this one had stalled past its lease).
        var thief = await Store.TryAcquireLeaseAsync("run-stolen", "process-2", TimeSpan.FromHours(3), ["process-1"], CancellationToken.None);
        Assert.NotNull(thief);
        Clock.Advance(TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        var history = await Store.GetHistoryAsync("run-stolen", CancellationToken.None);
        Assert.Equal(["create_specs"], history.Select(e => e.StepId));
        var stored = await Store.GetRunAsync("run-stolen", CancellationToken.None);
        Assert.Equal(("process-2", thief, WorkflowState.Running), (stored!.LeaseOwner, (long?)stored.Fence, stored.State));
    }

    /// <summary>Counts the writes that reach the store.</summary>
    private sealed class CountingStore(IRunStore inner) : DelegatingRunStore(inner)
    {
        public int Creates { get; private set; }

        public int Commits { get; private set; }

        public int Releases { get; private set; }

        public override ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
        {
            Creates++;
            return base.CreateRunAsync(run, history, cancellationToken);
        }

        public override ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            Commits++;
            return base.CommitAsync(checkpoint, cancellationToken);
        }

        public override ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
        {
            Releases++;
            return base.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);
        }
    }
}
