using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>One owner per run: the capacity slot is taken before the lease, everywhere, and given back with it.</summary>
public sealed class RunOwnerTests : DurableRunTestBase
{
    private (Orchestrator Orchestrator, FakeWorker ProductManager, FakeWorker Coder, FakeWorker Reviewer) Limited(string owner, int slots)
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = new Orchestrator(new OrchestratorOptions { TimeProvider = Clock, RunStore = Store, OwnerId = owner, MaxConcurrentRuns = slots }).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return (orchestrator, pm, coder, reviewer);
    }

    [Fact]
    public async Task Resume_CancelledWhileWaitingForASlot_CanBeResumedLaterInTheSameProcess()
    {
        var first = Process("process-0");
        await Interrupt(first.Orchestrator, "queued", BlockOn(first.Coder, attempt: 1));
        var process = Limited("process-1", slots: 1);
        var busy = BlockOn(process.Coder, attempt: 1);
        using var stopBusy = new CancellationTokenSource();
        var holding = process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "busy" }, stopBusy.Token);
        await busy.WaitAsync();

        using var giveUp = new CancellationTokenSource();
        var waiting = process.Orchestrator.ResumeAsync("queued", null, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        await stopBusy.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding.WaitAsync(TimeSpan.FromSeconds(10)));

        var resumed = await process.Orchestrator.ResumeAsync("queued");

        Assert.Equal(WorkflowState.Completed, resumed.State);
    }

    [Fact]
    public async Task Resume_QueuedBehindAFullSlot_HoldsNoLeaseUntilItGetsOne_AndNeverRunsAWorkerAgain()
    {
        var first = Process("process-0");
        await Interrupt(first.Orchestrator, "queued", BlockOn(first.Coder, attempt: 1));
        var process = Limited("process-1", slots: 1);
        var busy = BlockOn(process.Coder, attempt: 1);
        using var stopBusy = new CancellationTokenSource();
        var holding = process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "busy" }, stopBusy.Token);
        await busy.WaitAsync();
        var waiting = process.Orchestrator.ResumeAsync("queued");

        var whileQueued = await Store.GetRunAsync("queued", default);
        Assert.Null(whileQueued!.LeaseOwner);
        var other = Process("process-2");
        Assert.Equal(WorkflowState.Completed, (await other.Orchestrator.ResumeAsync("queued")).State);
        var calls = process.Coder.CallCount;
        await stopBusy.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding.WaitAsync(TimeSpan.FromSeconds(10)));

        var late = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WorkflowState.Completed, late.State);
        Assert.Equal(calls, process.Coder.CallCount);
        Assert.Equal(0, process.ProductManager.Calls.Count(c => c.StepId == "review_code"));
    }

    [Fact]
    public async Task Recover_ClaimsOnlyAsManyRunsAsItHasFreeCapacity()
    {
        var first = Process("process-0");
        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            await Interrupt(first.Orchestrator, id, BlockOn(first.Coder, attempt: 1));
        }

        var process = Limited("process-1", slots: 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new Signal();
        process.Coder.OnCallAsync = async (call, _, _) =>
        {
            entered.Set();
            await gate.Task;
            return "code";
        };

        var recovering = process.Orchestrator.RecoverAsync();
        await entered.WaitAsync();
        var leased = (await Store.ListRunsAsync(new RunQuery(), default)).Count(r => r.LeaseOwner == "process-1");
        gate.SetResult();
        var results = await recovering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, leased);
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(WorkflowState.Completed, r.State));
    }

    [Fact]
    public async Task Execute_WithAnAlreadyCancelledToken_CallsNoWorker()
    {
        var process = Process("process-1");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "never" }, cancelled.Token));

        Assert.Equal((0, 0, 0), (process.ProductManager.CallCount, process.Coder.CallCount, process.Reviewer.CallCount));
    }

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
}
