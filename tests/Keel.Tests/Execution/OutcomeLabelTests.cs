using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class OutcomeLabelTests
{
    private static WorkflowDefinition Review(LabelReader? reader = null, int reviewRetries = 0)
    {
        var workflow = new WorkflowDefinition("review_loop", goal: "Write a page");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder, onSuccess: "review"), isInitial: true);
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer, maxRetries: reviewRetries)
        {
            LabelFrom = reader ?? LabelReader.Field("verdict"),
            OnLabel = new Dictionary<string, string> { ["approve"] = "complete", ["request_changes"] = "write", ["reject"] = "failed" },
        });
        workflow.MaxSteps = 20;
        return workflow;
    }

    [Fact]
    public async Task Execute_ReviewerRequestsChanges_LabelSendsRunBackToCoder()
    {
        var coder = new FakeWorker(WorkerType.Coder) { OnCall = (call, _) => $"v{call.Visit}" };
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (call, _) => new { verdict = call.Visit == 1 ? "request_changes" : "approve", comments = "add tests" } };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(coder, reviewer);
        orchestrator.RegisterWorkflow(Review());

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["write", "review", "write", "review"], result.Path);
        Assert.Equal(["review", "write", "review", "complete"], result.History.Select(e => e.NextStep));
        Assert.All(result.History, e => Assert.Equal(AttemptOutcome.Succeeded, e.Outcome));
    }

    [Fact]
    public async Task Execute_RejectLabel_FailsTheRunThroughItsTarget()
    {
        var coder = new FakeWorker(WorkerType.Coder);
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (_, _) => new { verdict = "reject" } };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(coder, reviewer);
        orchestrator.RegisterWorkflow(Review());

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal("failed", result.History[^1].NextStep);
    }

    [Theory]
    [InlineData("""{"verdict":"ship_it"}""", "unknown outcome label 'ship_it' read by field verdict (expected one of: approve, reject, request_changes)")]
    [InlineData("""{"comments":"fine"}""", "the output has no 'verdict' field to read the label from (expected one of: approve, reject, request_changes)")]
    [InlineData("""{"verdict":true}""", "the output's 'verdict' is a boolean, not a label (a non-empty string)")]
    [InlineData("\"looks good\"", "the output is a string, not an object with a 'verdict' label")]
    public async Task Execute_UnknownOrMissingLabel_IsAFailedAttemptRetriedLikeAnyOther(string output, string error)
    {
        var coder = new FakeWorker(WorkerType.Coder);
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (call, _) => call.Attempt == 1 ? JsonDocument.Parse(output).RootElement : new { verdict = "approve" } };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(coder, reviewer);
        orchestrator.RegisterWorkflow(Review(reviewRetries: 1));

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");

        Assert.Equal(WorkflowState.Completed, result.State);
        var bad = result.History[1];
        Assert.Equal((AttemptOutcome.InvalidOutput, "review"), (bad.Outcome, bad.NextStep));
        Assert.Contains(error, bad.Error, StringComparison.Ordinal);
        Assert.StartsWith("step 'review': ", bad.Error, StringComparison.Ordinal);
        Assert.Equal(2, result.History[2].Attempt);
    }

    [Fact]
    public async Task Execute_UnknownLabelWithoutRetries_FollowsOnFailure()
    {
        var coder = new FakeWorker(WorkerType.Coder);
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (_, _) => new { verdict = "maybe" } };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(coder, reviewer);
        orchestrator.RegisterWorkflow(Review());

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("unknown outcome label 'maybe'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_LabelFunction_ReadsTheLabelFromTheOutput()
    {
        var coder = new FakeWorker(WorkerType.Coder);
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (call, _) => new { score = call.Visit == 1 ? 3 : 9 } };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(coder, reviewer);
        orchestrator.RegisterWorkflow(Review(LabelReader.Function("score_gate", o => o.GetProperty("score").GetInt32() >= 8 ? "approve" : "request_changes")));

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");

        Assert.Equal(["write", "review", "write", "review"], result.Path);
    }

    [Fact]
    public async Task BuildWebsite_ReviewerDisapproves_GoesBackToCoderWithTheReview()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (call, _) => call.Visit == 1 ? new { approved = false, comments = "the contact form is missing" } : new { approved = true };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], result.Path);
        var feedback = coder.Calls[1].Input.GetProperty("feedback");
        Assert.Equal("review_code", feedback.GetProperty("from_step").GetString());
        Assert.Equal("request_changes", feedback.GetProperty("label").GetString());
        Assert.Equal("the contact form is missing", feedback.GetProperty("output").GetProperty("comments").GetString());
    }

    [Theory]
    [InlineData("""{"verdict":"reject"}""", "failed")]
    [InlineData("""{"approved":true}""", "complete")]
    [InlineData("""{"approved":false}""", "implement_code")]
    [InlineData("\"ok\"", "complete")]
    public async Task BuildWebsite_ReviewVerdict_RoutesByTheReview(string review, string next)
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (call, _) => call.Visit == 1 ? JsonDocument.Parse(review).RootElement : new { approved = true };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(next, result.History[2].NextStep);
    }

    [Fact]
    public void Json_LabelsRoundTrip_WithTheirReader()
    {
        var json = WorkflowDefinitionJson.Serialize(Review());

        var back = WorkflowDefinitionJson.Deserialize(json);

        var step = back.GetStep("review")!;
        Assert.Equal("verdict", step.LabelFrom!.FieldName);
        Assert.Equal("write", step.OnLabel!["request_changes"]);
        Assert.Equal(json, WorkflowDefinitionJson.Serialize(back));
        Assert.Contains("\"label_function\":\"review_verdict\"", WorkflowDefinitionJson.Serialize(Workflows.CreateBuildWebsiteWorkflow()), StringComparison.Ordinal);
        Assert.Same(LabelReader.ReviewVerdict, WorkflowDefinitionJson.Deserialize(WorkflowDefinitionJson.Serialize(Workflows.CreateBuildWebsiteWorkflow())).GetStep("review_code")!.LabelFrom);
    }
}
