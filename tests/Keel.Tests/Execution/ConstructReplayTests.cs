using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

/// <summary>Routing replay of parallel and map steps through an edited definition whose units retry less, or take fewer items.</summary>
public sealed class ConstructReplayTests
{
    [Fact]
    public async Task Replay_ABranchThatNowRetriesLess_EndsAtItsFirstFailure_AndTheJoinFails()
    {
        var flaky = new FakeWorker("flaky") { OnCall = (call, _) => call.Attempt == 1 ? Hub.Fail("first try fails") : "ok" };
        var recorded = new WorkflowDefinition("fan", goal: "g");
        recorded.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", new WorkerType("flaky"), MaxRetries: 1)], onFailure: WorkflowStep.Failed), isInitial: true);
        var orchestrator = new Orchestrator().With(flaky);
        orchestrator.RegisterWorkflow(recorded);
        var run = await orchestrator.ExecuteWorkflowAsync("fan");
        Assert.Equal(WorkflowState.Completed, run.State);

        var edited = new WorkflowDefinition("fan", goal: "g");
        edited.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", new WorkerType("flaky"), MaxRetries: 0)], onFailure: WorkflowStep.Failed), isInitial: true);
        var replay = Assert.Single(RoutingReplay.Compare(edited, [(run.RunId, run.History)]).Runs);

        Assert.Equal(RoutingVerdict.Diverges, replay.Verdict);
        Assert.Equal(["fan/a#1.1 -> fan", "fan#1.1 -> failed"], replay.ReplayedPath);
        Assert.Contains("'fan/a' now ends after attempt 1 (max_retries 0) where it retried", replay.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_AJoinWhoseModeChanged_SaysTheJoinNowFails_NotThatATargetMoved()
    {
        var ok = new FakeWorker("ok") { OnCall = (_, _) => "done" };
        var bad = new FakeWorker("bad") { OnCall = (_, _) => Hub.Fail("always") };
        WorkflowDefinition Fan(JoinMode join)
        {
            var workflow = new WorkflowDefinition("fan", goal: "g");
            workflow.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", new WorkerType("ok")), new Branch("b", new WorkerType("bad"))], onSuccess: "after", onFailure: WorkflowStep.Failed, join: join), isInitial: true);
            workflow.AddStep(new WorkflowStep("after", new WorkerType("ok")));
            return workflow;
        }

        var orchestrator = new Orchestrator().With(ok, bad);
        orchestrator.RegisterWorkflow(Fan(JoinMode.Any));
        var run = await orchestrator.ExecuteWorkflowAsync("fan");
        Assert.Equal(WorkflowState.Completed, run.State);

        var replay = Assert.Single(RoutingReplay.Compare(Fan(JoinMode.All), [(run.RunId, run.History)]).Runs);

        Assert.Equal(RoutingVerdict.Diverges, replay.Verdict);
        Assert.Contains("the join of fan (join: all) now fails where it succeeded, so it goes to failed (was after)", replay.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_AMapWhoseMaxItemsNowRefusesTheRecordedList_FailsItsAttempt()
    {
        var pm = new FakeWorker(WorkerType.ProductManager) { OnCall = (_, _) => new[] { "a", "b", "c" } };
        var coder = new FakeWorker(WorkerType.Coder) { OnCall = (call, _) => call.Input.GetString() };
        WorkflowDefinition Pages(int maxItems)
        {
            var workflow = new WorkflowDefinition("pages", goal: "g");
            workflow.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, onSuccess: "each"), isInitial: true);
            workflow.AddStep(WorkflowStep.Map("each", WorkerType.Coder, maxItems, onFailure: WorkflowStep.Failed));
            return workflow;
        }

        var orchestrator = new Orchestrator().With(pm, coder);
        orchestrator.RegisterWorkflow(Pages(10));
        var run = await orchestrator.ExecuteWorkflowAsync("pages");

        var replay = Assert.Single(RoutingReplay.Compare(Pages(2), [(run.RunId, run.History)]).Runs);

        Assert.Equal(RoutingVerdict.Diverges, replay.Verdict);
        Assert.Equal(["plan#1.1 -> each", "each#1.1 -> failed"], replay.ReplayedPath);
        Assert.Contains("now refuses its list of 3 items (more than max_items 2)", replay.Reason, StringComparison.Ordinal);
    }
}
