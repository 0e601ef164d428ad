using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class FeedbackTests
{
    private static WorkflowDefinition MakeAndCheck()
    {
        var workflow = new WorkflowDefinition("make_check", goal: "v1");
        workflow.AddStep(new WorkflowStep("make", WorkerType.Coder, onSuccess: "check"), isInitial: true);
        workflow.AddStep(new WorkflowStep("check", WorkerType.Tester, onFailure: "make"));
        return workflow;
    }

    [Fact]
    public async Task Execute_CheckerFails_MakeSeesTheSenderItsErrorAndItsOwnPreviousOutput()
    {
        Feedback? seen = null;
        var make = new FakeWorker(WorkerType.Coder)
        {
            OnCall = (call, context) =>
            {
                if (call.Visit == 2)
                {
                    seen = context.Feedback;
                }

                return $"build {call.Visit}";
            },
        };
        var check = new FakeWorker(WorkerType.Tester) { OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("v1 is wrong: add tests") : "ok" };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(make, check);
        orchestrator.RegisterWorkflow(MakeAndCheck());

        var result = await orchestrator.ExecuteWorkflowAsync("make_check");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.NotNull(seen);
        Assert.Equal("check", seen.FromStep);
        Assert.Equal(AttemptOutcome.Failed, seen.Outcome);
        Assert.Equal("InvalidOperationException: v1 is wrong: add tests", seen.Error);
        Assert.Equal("build 1", seen.PreviousOutput!.Value.GetString());
        Assert.Null(seen.Label);

        // The default input: the previous visit's input (the goal, not an object) wrapped, with the feedback.
        var input = make.Calls[1].Input;
        Assert.Equal("v1", input.GetProperty("input").GetString());
        Assert.Equal("v1 is wrong: add tests", input.GetProperty("feedback").GetProperty("error").GetString()![^22..]);
        Assert.Equal("failed", input.GetProperty("feedback").GetProperty("outcome").GetString());
        Assert.Equal("build 1", input.GetProperty("previous_output").GetString());
    }

    [Fact]
    public async Task Execute_ForwardPath_HasNoFeedbackAndTheUsualInput()
    {
        var make = new FakeWorker(WorkerType.Coder);
        Feedback? seen = null;
        var check = new FakeWorker(WorkerType.Tester) { OnCall = (_, context) => seen = context.Feedback };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(make, check);
        orchestrator.RegisterWorkflow(MakeAndCheck());

        var result = await orchestrator.ExecuteWorkflowAsync("make_check");

        Assert.Null(seen);
        Assert.Equal("v1", make.Calls[0].Input.GetString());
        Assert.Equal(result.History[0].Output.GetRawText(), check.Calls[0].Input.GetRawText());
    }

    [Fact]
    public async Task Execute_RetryWithinAFeedbackVisit_KeepsTheSameFeedback()
    {
        var make = new FakeWorker(WorkerType.Coder) { OnCall = (call, _) => call is { Visit: 2, Attempt: 1 } ? Hub.Fail("flaky") : "built" };
        var check = new FakeWorker(WorkerType.Tester) { OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("wrong") : "ok" };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(make, check);
        var workflow = new WorkflowDefinition("make_check", goal: "v1");
        workflow.AddStep(new WorkflowStep("make", WorkerType.Coder, onSuccess: "check", maxRetries: 1), isInitial: true);
        workflow.AddStep(new WorkflowStep("check", WorkerType.Tester, onFailure: "make"));
        orchestrator.RegisterWorkflow(workflow);

        await orchestrator.ExecuteWorkflowAsync("make_check");

        Assert.Equal(3, make.CallCount);
        Assert.Equal(make.Calls[1].Input.GetRawText(), make.Calls[2].Input.GetRawText());
        Assert.Equal("check", make.Calls[2].Input.GetProperty("feedback").GetProperty("from_step").GetString());
    }

    [Fact]
    public async Task Execute_ObjectInputOnFeedbackVisit_GainsFeedbackFields()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, _) => new { title = "Portfolio" };
        reviewer.OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("no header") : new { approved = true };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        var input = coder.Calls[1].Input;
        Assert.Equal("Portfolio", input.GetProperty("title").GetString());
        Assert.Equal("review_code", input.GetProperty("feedback").GetProperty("from_step").GetString());
        Assert.Equal("implement_code", input.GetProperty("previous_output").GetProperty("step").GetString());
    }
}
