using System.Text.Json;

namespace Keel.Testing;

/// <summary>Approvals: a run parks with its prompt until someone, in any process, approves, rejects or cancels it.</summary>
public abstract partial class RunStoreConformanceTests
{
    private static WorkflowDefinition Publishing(string onRejected = "draft")
    {
        var workflow = new WorkflowDefinition("publishing");
        workflow.AddStep(new WorkflowStep("draft", WorkerType.Coder, onSuccess: "sign_off"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign_off", "Publish this draft?", onApproved: "publish", onRejected: onRejected));
        workflow.AddStep(new WorkflowStep("publish", WorkerType.Deployer));
        return workflow;
    }

    private (Orchestrator Orchestrator, Scripted Drafter, Scripted Publisher) PublishingProcess(string onRejected = "draft")
    {
        var drafter = new Scripted(WorkerType.Coder, "Drafter") { OnCall = (call, _) => $"draft v{call.Visit}" };
        var publisher = new Scripted(WorkerType.Deployer, "Publisher");
        var orchestrator = With(Hub(null), drafter, publisher);
        orchestrator.RegisterWorkflow(Publishing(onRejected));
        return (orchestrator, drafter, publisher);
    }

    /// <summary>A run reaching an approval step parks waiting for approval, with the step's prompt.</summary>
    [Fact]
    public async Task Execute_ApprovalStep_ParksTheRunWithThePrompt()
    {
        var (orchestrator, drafter, publisher) = PublishingProcess();

        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        Assert.Equal(WorkflowState.WaitingForApproval, waiting.State);
        Assert.Equal("sign_off", waiting.CurrentStep);
        Assert.Equal("Publish this draft?", waiting.Prompt);
        Assert.Equal(1, drafter.CallCount);
        Assert.Equal(0, publisher.CallCount);
        var stored = await orchestrator.GetResultAsync(waiting.RunId);
        Assert.Equal((WorkflowState.WaitingForApproval, "Publish this draft?"), (stored.State, stored.Prompt));
        Assert.Equal(WorkflowState.WaitingForApproval, (await orchestrator.ResumeAsync(waiting.RunId)).State);
    }

    /// <summary>Approving records the decision and the run follows on_success.</summary>
    [Fact]
    public async Task ApproveAsync_RecordsTheDecisionAndFollowsOnSuccess()
    {
        var (orchestrator, _, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var result = await orchestrator.ApproveAsync(waiting.RunId, "sign_off", by: "ann", comment: "ship it");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, publisher.CallCount);
        var decision = result.History.Single(e => e.StepId == "sign_off");
        Assert.Equal((AttemptOutcome.Approved, "ann", "publish"), (decision.Outcome, decision.WorkerName, decision.NextStep));
        Assert.Equal("approved", decision.Output.GetProperty("decision").GetString());
        Assert.Equal("ann", decision.Output.GetProperty("by").GetString());
        Assert.Equal("ship it", decision.Output.GetProperty("comment").GetString());
        Assert.Equal("Publish this draft?", decision.Input.GetString());
        Assert.Equal(T0, decision.Timestamp);
        Assert.Equal("draft v1", publisher.Calls[0].Input.GetString());
    }

    /// <summary>Rejecting records the decision and the run follows on_failure.</summary>
    [Fact]
    public async Task RejectAsync_RecordsTheDecisionAndFollowsOnFailure()
    {
        var (orchestrator, drafter, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var again = await orchestrator.RejectAsync(waiting.RunId, "sign_off", by: "bob", comment: "too long");

        Assert.Equal(WorkflowState.WaitingForApproval, again.State);
        Assert.Equal([1, 2], drafter.Calls.Select(c => c.Visit));
        Assert.Equal(0, publisher.CallCount);
        var rejection = again.History.Single(e => e.Outcome == AttemptOutcome.Rejected);
        Assert.Equal(("bob", "too long", "draft"), (rejection.WorkerName, rejection.Error, rejection.NextStep));
        Assert.Equal("rejected", rejection.Output.GetProperty("decision").GetString());

        var done = await orchestrator.ApproveAsync(waiting.RunId, "sign_off", by: "bob");

        Assert.Equal(WorkflowState.Completed, done.State);
        Assert.Equal("draft v2", publisher.Calls.Single().Input.GetString());
        Assert.Equal(["draft", "sign_off", "draft", "sign_off", "publish"], done.Path);
    }

    /// <summary>Rejecting where on_failure is <c>failed</c> ends the run failed, with the rejection's reason.</summary>
    [Fact]
    public async Task RejectAsync_OnFailureFailed_EndsTheRunWithTheReason()
    {
        var (orchestrator, _, _) = PublishingProcess(onRejected: WorkflowStep.Failed);
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var result = await orchestrator.RejectAsync(waiting.RunId, "sign_off", by: "carol", comment: "off brand");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("rejected by carol", result.Error, StringComparison.Ordinal);
        Assert.Contains("off brand", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A decision for another step, or for a run that is not waiting, is refused.</summary>
    [Fact]
    public async Task ApproveAsync_WrongStepOrRunNotWaiting_IsRefused()
    {
        var (orchestrator, _, _) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var wrongStep = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "publish"));
        Assert.Contains("'publish'", wrongStep.Message, StringComparison.Ordinal);
        await orchestrator.ApproveAsync(waiting.RunId, "sign_off");
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "sign_off"));
    }

    /// <summary>
    /// A decision made in the owner's process after the park is committed (the lease given back with it) but
    /// before the owner has let go of the run waits for it, then is recorded and followed; it is not refused.
    /// </summary>
    [Fact]
    public async Task ApproveAsync_WhileTheParkingOwnerLetsGo_WaitsAndIsRecorded()
    {
        var (orchestrator, parking, publisher, run) = await ParkedAndHeldAsync();
        var stored = await Store.GetRunAsync("parked", default);
        Assert.Equal((WorkflowState.WaitingForApproval, null), (stored!.State, stored.LeaseOwner));

        var decision = orchestrator.ApproveAsync("parked", "sign_off", by: "ann");
        Assert.False(decision.IsCompleted);
        parking.Let();

        Assert.Equal(WorkflowState.WaitingForApproval, (await run).State);
        var result = await decision;
        Assert.Equal(WorkflowState.Completed, result.State);
        var approved = result.History.Single(e => e.Outcome == AttemptOutcome.Approved);
        Assert.Equal(("ann", "publish"), (approved.WorkerName, approved.NextStep));
        Assert.Equal(1, publisher.CallCount);
    }

    /// <summary>A cancellation asked for in the owner's process while the owner lets go of the run it has just parked is recorded, not lost.</summary>
    [Fact]
    public async Task CancelAsync_WhileTheParkingOwnerLetsGo_EndsTheRunCancelled()
    {
        var (orchestrator, parking, publisher, run) = await ParkedAndHeldAsync();
        var cancel = orchestrator.CancelAsync("parked", by: "dana", reason: "dropped");
        parking.Let();
        await run;

        var cancelled = await cancel;
        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        Assert.Equal(("dana", "dropped"), (cancelled.History[^1].WorkerName, cancelled.History[^1].Error));
        Assert.Equal(WorkflowState.Cancelled, (await Store.GetRunAsync("parked", default))!.State);
        Assert.Equal(0, publisher.CallCount);
    }

    /// <summary>Runs "parked" to its approval step in an orchestrator whose park commit is written, then held before it returns.</summary>
    private async Task<(Orchestrator Orchestrator, HeldCommit Parking, Scripted Publisher, Task<WorkflowResult> Run)> ParkedAndHeldAsync()
    {
        var parking = new HeldCommit(OpenAnother(), WorkflowState.WaitingForApproval);
        var publisher = new Scripted(WorkerType.Deployer, "Publisher");
        var orchestrator = With(Hub("parker", store: parking), new Scripted(WorkerType.Coder, "Drafter"), publisher);
        orchestrator.RegisterWorkflow(Publishing());
        var run = orchestrator.ExecuteWorkflowAsync("publishing", "g", new ExecuteOptions { RunId = "parked" });
        await Within(parking.Held);
        return (orchestrator, parking, publisher, run);
    }

    /// <summary>Holds the return of the first commit that leaves a run in <paramref name="state"/> (the commit itself is written) until let go.</summary>
    private sealed class HeldCommit(IRunStore inner, WorkflowState state) : DelegatingRunStore(inner)
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _let = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Held => _held.Task;

        public void Let() => _let.TrySetResult();

        public override async ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            var control = await base.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            if (checkpoint.State == state && _held.TrySetResult())
            {
                await _let.Task.ConfigureAwait(false);
            }

            return control;
        }
    }

    /// <summary>Cancelling a run waiting for approval ends it cancelled.</summary>
    [Fact]
    public async Task CancelAsync_RunWaitingForApproval_EndsItCancelled()
    {
        var (orchestrator, _, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var cancelled = await orchestrator.CancelAsync(waiting.RunId, by: "dana", reason: "project dropped");

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var entry = cancelled.History[^1];
        Assert.Equal(("sign_off", AttemptOutcome.Cancelled, "dana", "project dropped"), (entry.StepId, entry.Outcome, entry.WorkerName, entry.Error));
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "sign_off"));
        Assert.Equal(0, publisher.CallCount);
    }

    /// <summary>A run waiting for approval survives a restart, and follows the decision made after it.</summary>
    [Fact]
    public async Task Approval_WaitingRun_SurvivesARestartAndFollowsTheDecision()
    {
        var first = ApprovalOrchestrator("first");
        var waiting = await first.ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-1" });
        Assert.Equal(WorkflowState.WaitingForApproval, waiting.State);
        Assert.Equal("Publish it?", waiting.Prompt);

        var second = ApprovalOrchestrator("second");
        var reread = await second.GetResultAsync("post-1");
        Assert.Equal(WorkflowState.WaitingForApproval, reread.State);
        Assert.Equal("Publish it?", reread.Prompt);
        var approved = await second.ApproveAsync("post-1", "approve", "alice", "looks good");

        Assert.Equal(WorkflowState.Completed, approved.State);
        var stored = await ApprovalOrchestrator("third").GetResultAsync("post-1");
        Assert.Equal(["draft", "approve", "publish"], stored.Path);
        var decision = stored.History[1];
        Assert.Equal(AttemptOutcome.Approved, decision.Outcome);
        Assert.Equal("alice", decision.WorkerName);
        Assert.Contains("looks good", KeelJson.ToText(decision.Output), StringComparison.Ordinal);
        Assert.Equal("publish", decision.NextStep);
    }

    /// <summary>A rejection made after a restart follows on_failure.</summary>
    [Fact]
    public async Task Approval_RejectedAfterARestart_FollowsOnFailure()
    {
        await ApprovalOrchestrator("first").ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-2" });

        var rejected = await ApprovalOrchestrator("second").RejectAsync("post-2", "approve", "bob", "off topic");

        Assert.Equal(WorkflowState.Failed, rejected.State);
        var decision = (await ApprovalOrchestrator("third").GetResultAsync("post-2")).History[1];
        Assert.Equal(AttemptOutcome.Rejected, decision.Outcome);
        Assert.Equal("off topic", decision.Error);
    }

    /// <summary>Cancelling a waiting run is recorded and survives a restart.</summary>
    [Fact]
    public async Task Cancel_WaitingRun_IsRecordedAndSurvivesARestart()
    {
        await ApprovalOrchestrator("first").ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-3" });

        var cancelled = await ApprovalOrchestrator("second").CancelAsync("post-3", "carol", "no longer needed");

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var stored = await ApprovalOrchestrator("third").GetResultAsync("post-3");
        Assert.Equal(WorkflowState.Cancelled, stored.State);
        var last = stored.History[^1];
        Assert.Equal(AttemptOutcome.Cancelled, last.Outcome);
        Assert.Equal("carol", last.WorkerName);
        Assert.Equal("no longer needed", last.Error);
    }

    /// <summary>An orchestrator (a process) with a draft, approve, publish workflow, on its own store over the shared storage.</summary>
    private Orchestrator ApprovalOrchestrator(string owner)
    {
        var orchestrator = Hub(owner);
        orchestrator.RegisterWorker(new WorkerDefinition(new WorkerType("writer"), "Writer", "writes", (input, ctx, ct) => new ValueTask<object?>("draft of " + ctx.Goal)));
        orchestrator.RegisterWorker(new WorkerDefinition(new WorkerType("publisher"), "Publisher", "publishes", (input, ctx, ct) => new ValueTask<object?>("published")));
        var workflow = new WorkflowDefinition("publish", "draft, approve, publish");
        workflow.AddStep(new WorkflowStep("draft", new WorkerType("writer"), onSuccess: "approve"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("approve", "Publish it?", onApproved: "publish", onRejected: WorkflowStep.Failed));
        workflow.AddStep(new WorkflowStep("publish", new WorkerType("publisher")));
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }
}
