using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class RoutingTests
{
    [Fact]
    public async Task Execute_ReviewerFails_LoopsBackToCoder()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("the header is missing") : new { approved = true };
        coder.OnCall = (call, _) => $"<html>v{call.Visit}</html>";
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(WorkflowStep.Complete, result.CurrentStep);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], result.Path);
        Assert.Equal([1, 2], coder.Calls.Select(c => c.Visit));
        Assert.Equal([1, 2], reviewer.Calls.Select(c => c.Visit));
        Assert.Equal("<html>v2</html>", reviewer.Calls[1].Input.GetString());
        Assert.Equal(1, pm.CallCount);
        var failedReview = result.History[2];
        Assert.Equal(("review_code", AttemptOutcome.Failed, "implement_code"), (failedReview.StepId, failedReview.Outcome, failedReview.NextStep));
        Assert.Equal(WorkflowStep.Complete, result.History[^1].NextStep);
        Assert.True(result.FinalOutput!.Value.GetProperty("approved").GetBoolean());
    }

    [Fact]
    public async Task Execute_CoderExhaustsRetries_FallsBackToSpecsWithNewVisit()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        coder.OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("compile error") : "<html/>";
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(
            [("create_specs", 1, 1), ("implement_code", 1, 1), ("implement_code", 1, 2), ("implement_code", 1, 3), ("create_specs", 2, 1), ("implement_code", 2, 1), ("review_code", 1, 1)],
            result.History.Select(e => (e.StepId, e.Visit, e.Attempt)));
    }

    [Fact]
    public async Task Execute_StepRoutesToFailedOnSuccess_EndsFailed()
    {
        var workflow = new WorkflowDefinition("to_failed");
        workflow.AddStep(new WorkflowStep("gate", "gate_type", onSuccess: "work", onFailure: WorkflowStep.Failed), isInitial: true);
        workflow.AddStep(new WorkflowStep("work", "work_type", onSuccess: WorkflowStep.Complete, onFailure: WorkflowStep.Failed));
        var gate = new FakeWorker("gate_type") { OnCall = (_, _) => Hub.Fail("closed") };
        var work = new FakeWorker("work_type");
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(gate, work);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("to_failed", "g");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(WorkflowStep.Failed, result.CurrentStep);
        Assert.Equal(0, work.CallCount);
        Assert.Contains("'gate'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_EndlessFailureLoop_EndsFailedWhenStepBudgetIsSpent()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (_, _) => Hub.Fail("never good enough");
        var workflow = Workflows.CreateBuildWebsiteWorkflow();
        workflow.MaxSteps = 7;
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(7, result.Path.Count);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code", "implement_code", "review_code"], result.Path);
        Assert.Contains("step budget of 7", result.Error, StringComparison.Ordinal);
        Assert.Contains("'review_code'", result.Error, StringComparison.Ordinal);
        Assert.Equal(WorkflowStep.Failed, result.History[^1].NextStep);
    }

    [Fact]
    public void DefaultStepBudget_IsTenVisitsAStepAndAtLeastOneHundred()
    {
        var small = Workflows.CreateGenericPipeline([("a", WorkerType.Coder, "A")]);
        Assert.Equal(100, small.EffectiveMaxSteps);
        var steps = Enumerable.Range(0, 12).Select(i => ($"s{i}", WorkerType.Coder, "step")).ToList();
        Assert.Equal(120, Workflows.CreateGenericPipeline(steps).EffectiveMaxSteps);
    }

    [Fact]
    public async Task Execute_NoInputTransformer_FirstStepGetsGoalAndLaterStepsThePreviousOutput()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, _) => new { title = "Specs" };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal("Portfolio", pm.Calls[0].Input.GetString());
        Assert.Equal("Specs", coder.Calls[0].Input.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Execute_NoGoal_UsesTheDefinitionsGoal()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website");

        Assert.Equal("Create a functional website", pm.Calls[0].Input.GetString());
    }

    [Fact]
    public async Task Execute_UnknownWorkflow_ThrowsNamingItAndTheRegisteredOnes()
    {
        var orchestrator = Hub.Create(new RecordingTimeProvider());
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var error = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("no_such_flow", "g"));

        Assert.Contains("'no_such_flow'", error.Message, StringComparison.Ordinal);
        Assert.Contains("build_website", error.Message, StringComparison.Ordinal);
    }
}
