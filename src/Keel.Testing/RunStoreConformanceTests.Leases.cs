using System.Text.Json;

namespace Keel.Testing;

/// <summary>Claims, leases and owners: one process drives a run at a time, a late writer is fenced off, the capacity slot is taken before the lease.</summary>
public abstract partial class RunStoreConformanceTests
{
    /// <summary>A run that ends or parks frees its lease with its last checkpoint, with no separate write.</summary>
    [Fact]
    public async Task Execute_RunThatEndsOrParks_FreesTheLeaseWithItsLastCheckpoint_NoSeparateWrite()
    {
        var store = new CountingStore(OpenAnother());
        var orchestrator = Process("process-1", store: store).Orchestrator;
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

    /// <summary>Resuming a run whose lease another process holds is refused.</summary>
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
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(WorkflowState.Completed, (await second.Orchestrator.ResumeAsync("run-held")).State);
    }

    /// <summary>The lease of a dead process is taken over only once it expires, and the old owner's later writes are fenced off.</summary>
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

    /// <summary>A run whose lease is taken over while an attempt is in flight stops without writing that attempt.</summary>
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
        Clock.Advance(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        var history = await Store.GetHistoryAsync("run-stolen", CancellationToken.None);
        Assert.Equal(["create_specs"], history.Select(e => e.StepId));
        var stored = await Store.GetRunAsync("run-stolen", CancellationToken.None);
        Assert.Equal(("process-2", thief, WorkflowState.Running), (stored!.LeaseOwner, (long?)stored.Fence, stored.State));
    }

    /// <summary>A resume cancelled while it waits for a capacity slot leaves the run free to resume later in the same process.</summary>
    [Fact]
    public async Task Resume_CancelledWhileWaitingForASlot_CanBeResumedLaterInTheSameProcess()
    {
        using var stopBusy = new CancellationTokenSource();
        var (process, holding) = await QueuedBehindABusySlot(stopBusy.Token);

        using var giveUp = new CancellationTokenSource();
        var waiting = process.Orchestrator.ResumeAsync("queued", null, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        await stopBusy.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding.WaitAsync(TimeSpan.FromSeconds(30)));

        var resumed = await process.Orchestrator.ResumeAsync("queued");

        Assert.Equal(WorkflowState.Completed, resumed.State);
    }

    /// <summary>A resume queued behind a full slot holds no lease until it gets the slot, and never runs a worker a second time.</summary>
    [Fact]
    public async Task Resume_QueuedBehindAFullSlot_HoldsNoLeaseUntilItGetsOne_AndNeverRunsAWorkerAgain()
    {
        using var stopBusy = new CancellationTokenSource();
        var (process, holding) = await QueuedBehindABusySlot(stopBusy.Token);
        var waiting = process.Orchestrator.ResumeAsync("queued");

        var whileQueued = await Store.GetRunAsync("queued", default);
        Assert.Null(whileQueued!.LeaseOwner);
        var other = Process("process-2");
        Assert.Equal(WorkflowState.Completed, (await other.Orchestrator.ResumeAsync("queued")).State);
        var calls = process.Coder.CallCount;
        await stopBusy.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding.WaitAsync(TimeSpan.FromSeconds(30)));

        var late = await Within(waiting);
        Assert.Equal(WorkflowState.Completed, late.State);
        Assert.Equal(calls, process.Coder.CallCount);
        Assert.Equal(0, process.ProductManager.Calls.Count(c => c.StepId == "review_code"));
    }

    /// <summary>Recovery claims no more runs than it has free capacity for.</summary>
    [Fact]
    public async Task Recover_ClaimsOnlyAsManyRunsAsItHasFreeCapacity()
    {
        var first = Process("process-0");
        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            await Interrupt(first.Orchestrator, id, BlockOn(first.Coder, attempt: 1));
        }

        var process = Process("process-1", slots: 1);
        var (entered, gate) = Hold(process.Coder);

        var recovering = process.Orchestrator.RecoverAsync();
        await entered.WaitAsync();
        var leased = (await Store.ListRunsAsync(new RunQuery(), default)).Count(r => r.LeaseOwner == "process-1");
        gate.SetResult();
        var results = await Within(recovering);

        Assert.Equal(1, leased);
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(WorkflowState.Completed, r.State));
    }

    /// <summary>A run started with a token already cancelled calls no worker.</summary>
    [Fact]
    public async Task Execute_WithAnAlreadyCancelledToken_CallsNoWorker()
    {
        var process = Process("process-1");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "never" }, cancelled.Token));

        Assert.Equal((0, 0, 0), (process.ProductManager.CallCount, process.Coder.CallCount, process.Reviewer.CallCount));
    }

    /// <summary>A token cancelled during a step whose worker completes synchronously runs no later step.</summary>
    [Fact]
    public async Task Execute_TokenCancelledDuringASynchronousStep_RunsNoLaterStep()
    {
        var process = Process("process-1");
        using var stop = new CancellationTokenSource();
        process.ProductManager.OnCall = (_, _) =>
        {
            stop.Cancel();
            return "specs";
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "stopped" }, stop.Token));

        Assert.Equal((1, 0, 0), (process.ProductManager.CallCount, process.Coder.CallCount, process.Reviewer.CallCount));
        var run = await Store.GetRunAsync("stopped", default);
        Assert.Equal((WorkflowState.Running, "implement_code", 1), (run!.State, run.CurrentStep, run.HistoryCount));
    }

    /// <summary>Of two decisions made at once, one is recorded and the other is refused with a clear message.</summary>
    [Fact]
    public async Task Approve_TwoDecisionsAtOnce_OneIsRecorded_TheOtherIsRefusedClearly()
    {
        var gated = new WorkflowDefinition("gated");
        gated.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, onSuccess: "sign_off"), isInitial: true);
        gated.AddStep(WorkflowStep.Approval("sign_off", "Ship it?", onApproved: WorkflowStep.Complete));
        var first = Process("process-1", gated);
        var second = Process("process-2", gated);
        await first.Orchestrator.ExecuteWorkflowAsync("gated", "g", new ExecuteOptions { RunId = "gate" });

        var decisions = await Task.WhenAll(
            Capture(() => first.Orchestrator.ApproveAsync("gate", "sign_off", "ana")),
            Capture(() => second.Orchestrator.ApproveAsync("gate", "sign_off", "bo")));

        Assert.Single(decisions, d => d.Result?.State == WorkflowState.Completed);
        var refused = Assert.Single(decisions, d => d.Error is not null).Error!;
        Assert.IsAssignableFrom<KeelException>(refused);
        Assert.DoesNotContain("owner 'unknown'", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("lease until )", refused.Message, StringComparison.Ordinal);
        Assert.Contains("gate", refused.Message, StringComparison.Ordinal);
        Assert.Single(await Store.GetHistoryAsync("gate", default), e => e.Outcome == AttemptOutcome.Approved);

        static async Task<(WorkflowResult? Result, Exception? Error)> Capture(Func<Task<WorkflowResult>> decide)
        {
            try
            {
                return (await decide(), null);
            }
            catch (Exception ex)
            {
                return (null, ex);
            }
        }
    }

    /// <summary>A run pinned to a changed definition is listed as blocked and not recovered, then resumes on the new definition or is cancelled, as chosen.</summary>
    [Fact]
    public async Task ChangedDefinition_RunIsListedAsBlocked_NotRecovered_ThenResumedOnTheNewDefinitionOrCancelled()
    {
        var first = Process("process-0");
        await Interrupt(first.Orchestrator, "old-1", BlockOn(first.Coder, attempt: 1));
        await Interrupt(first.Orchestrator, "old-2", BlockOn(first.Coder, attempt: 1));
        var changed = Workflows.CreateBuildWebsiteWorkflow();
        changed.Description = "changed after a deploy";
        var deployed = Process("process-1", changed);

        var blocked = await deployed.Orchestrator.ListBlockedRunsAsync();
        var recovered = await deployed.Orchestrator.RecoverAsync();

        Assert.Equal(["old-1", "old-2"], blocked.Select(b => b.Run.RunId).Order(StringComparer.Ordinal));
        Assert.Empty(recovered);
        Assert.Equal(0, deployed.Coder.CallCount);
        var resumed = await deployed.Orchestrator.ResumeAsync("old-1", new ResumeOptions { AllowDefinitionChange = true });
        var cancelled = await deployed.Orchestrator.CancelAsync("old-2", "ops", "definition changed");
        Assert.Equal((WorkflowState.Completed, WorkflowState.Cancelled), (resumed.State, cancelled.State));
        Assert.Empty(await deployed.Orchestrator.ListBlockedRunsAsync());
    }

    /// <summary>Interrupts run "queued", then has a one-slot process hold its slot with run "busy" (blocked in the coder until <paramref name="stopBusy"/>).</summary>
    private async Task<((Orchestrator Orchestrator, Scripted ProductManager, Scripted Coder, Scripted Reviewer) Process, Task<WorkflowResult> Holding)> QueuedBehindABusySlot(CancellationToken stopBusy)
    {
        var first = Process("process-0");
        await Interrupt(first.Orchestrator, "queued", BlockOn(first.Coder, attempt: 1));
        var process = Process("process-1", slots: 1);
        var busy = BlockOn(process.Coder, attempt: 1);
        var holding = process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "busy" }, stopBusy);
        await busy.WaitAsync();
        return (process, holding);
    }
}
