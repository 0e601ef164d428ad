using System.Text.Json;

namespace Keel.AI.Tests;

public sealed class ChatWorkerWireTests
{
    [Fact]
    public async Task BuildWebsite_ThreeChatWorkers_CompletesWithRenderedPromptsAndUsage()
    {
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var orchestrator = Website.Orchestrator(TestClients.For(server));

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options());

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal("Lens & Light", result.History[0].Output.GetProperty("title").GetString());
        Assert.Equal(Website.Html, result.History[1].Output.GetString());
        Assert.True(result.FinalOutput!.Value.GetProperty("approved").GetBoolean());

        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Equal("You are a product manager. Write the specification of: Portfolio site for a photographer. Audience: art buyers.", requests[0].Messages[0].Content);
        Assert.Equal("json_schema", requests[0].Body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal("You are a web developer. Implement the page titled Lens & Light with the sections [\"gallery\",\"contact\"].", requests[1].Messages[0].Content);
        Assert.True(requests[1].Streaming);
        Assert.Equal(Website.SpecJson, requests[1].Messages[1].Content);
        Assert.Equal(Website.Html, requests[2].Messages[1].Content);

        Assert.Equal(new TokenUsage(40, 20, "gpt-test"), result.History[0].Usage);
        Assert.Equal(new TokenUsage(30, 60, "gpt-test"), result.History[1].Usage);
        Assert.Equal(120, result.Usage!.InputTokens);
        Assert.Equal(90, result.Usage.OutputTokens);
    }

    [Fact]
    public async Task InvalidOutput_IsRecordedAndRepairedOnRetry_WithTheValidationErrorSentBack()
    {
        await using var server = await OpenAIServer.StartAsync(
            Reply.Content("""{"title": "Lens"""),
            Reply.Content("""{"title":"Lens & Light"}"""),
            Reply.Content(Website.SpecJson));
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", TestClients.For(server), "Write the specification of: {{goal}}");
        var workflow = new WorkflowDefinition("specs");
        workflow.AddStep(new WorkflowStep("create_specs", WorkerType.ProductManager, maxRetries: 2), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("specs", "Portfolio");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([AttemptOutcome.InvalidOutput, AttemptOutcome.InvalidOutput, AttemptOutcome.Succeeded], result.History.Select(h => h.Outcome));
        Assert.Contains("the answer is not JSON", result.History[0].Error);
        Assert.Contains("$: required property 'sections' is missing", result.History[1].Error);
        Assert.All(result.History, h => Assert.Equal(new TokenUsage(10, 5, "gpt-test"), h.Usage));

        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.DoesNotContain("rejected", requests[0].AllText);
        Assert.Contains("Your previous answer was rejected:", requests[1].Messages[^1].Content);
        Assert.Contains("the answer is not JSON", requests[1].Messages[^1].Content);
        Assert.Contains("required property 'sections' is missing", requests[2].Messages[^1].Content);
        Assert.Equal("Lens & Light", result.GetFinalOutput<Spec>()!.Title);
    }

    [Fact]
    public async Task InvalidOutput_WhenRetriesAreSpent_FailsTheRunWithTheValidationError()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content("""{"approved":"yes"}"""), Reply.Content("""{"approved":true,"extra":1}"""));
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", TestClients.For(server), "Review", new ChatWorkerOptions { OutputSchema = Website.ReviewSchema });
        var workflow = new WorkflowDefinition("review");
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer, maxRetries: 1), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("review", "x");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("$.approved: expected boolean, got string", result.History[0].Error);
        Assert.Contains("$: property 'extra' is not allowed", result.History[1].Error);
        Assert.Contains("step 'review' failed after 2 attempt(s)", result.Error);
    }

    [Fact]
    public async Task TokenBudget_StopsTheRunBeforeTheNextCall()
    {
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var orchestrator = Website.Orchestrator(TestClients.For(server));

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options(maxTokens: 100));

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(2, result.History.Count);
        Assert.Contains("token budget of 100 exceeded (150 used) before step 'review_code'", result.Error);
    }

    [Fact]
    public async Task CostBudget_WithPriceTable_PricesEachAttemptAndStopsTheRun()
    {
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var prices = new PriceTable().Add("gpt-test", inputPerMillion: 1000m, outputPerMillion: 2000m);
        var orchestrator = Website.Orchestrator(TestClients.For(server), prices: prices);

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options(maxCost: 0.1m));

        Assert.Equal(0.08m, result.History[0].Usage!.Cost);
        Assert.Equal(0.15m, result.History[1].Usage!.Cost);
        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("cost budget of 0.1 exceeded (0.23 spent) before step 'review_code'", result.Error);
        Assert.Equal(0.23m, result.Usage!.Cost);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task CostBudget_AnAnswerFromAModelWithoutAPrice_StopsTheRunBeforeTheNextCall_FailClosed()
    {
        // The server answers as a model id the price table does not name (vLLM and routers do): the attempt
        // has tokens and no cost, so the budget cannot be held and the run stops rather than spend unseen.
        await using var server = await OpenAIServer.StartAsync((request, index) => (ContentReply)Website.Respond(request, index) with { Model = "provider/other-model-2025" });
        var prices = new PriceTable().Add("gpt-test", inputPerMillion: 1000m, outputPerMillion: 2000m);
        var orchestrator = Website.Orchestrator(TestClients.For(server), prices: prices);

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options(maxCost: 10m));

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Null(result.History[0].Usage!.Cost);
        Assert.Contains("cost budget of 10 cannot be held:", result.Error);
        Assert.Contains("of model 'provider/other-model-2025' have no price", result.Error);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Http429WithRetryAfter_IsRetriedInsideOneAttempt()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Status(429, retryAfterSeconds: 0), Reply.Content("done"));
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", TestClients.For(server), "Write {{input}}");
        var workflow = new WorkflowDefinition("one");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("one", "a poem");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(2, server.Requests.Count);
        var entry = Assert.Single(result.History);
        Assert.Equal(1, entry.Attempt);
        Assert.Equal("done", entry.Output.GetString());
    }

    [Fact]
    public async Task Http500_IsRetried_ThenAPersistentFailureFailsTheAttemptWithTheStatus()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Status(500), Reply.Content("ok"), Reply.Status(503), Reply.Status(503), Reply.Status(503));
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", TestClients.For(server, retries: 2), "Write {{input}}");
        var workflow = new WorkflowDefinition("two");
        workflow.AddStep(new WorkflowStep("first", WorkerType.Coder, onSuccess: "second"), isInitial: true);
        workflow.AddStep(new WorkflowStep("second", WorkerType.Coder));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("two", "a poem");

        Assert.Equal(5, server.Requests.Count);
        Assert.Equal(AttemptOutcome.Succeeded, result.History[0].Outcome);
        Assert.Equal(AttemptOutcome.Failed, result.History[1].Outcome);
        Assert.Contains("ModelCallException", result.History[1].Error);
        Assert.Contains("503", result.History[1].Error);
        Assert.Equal(WorkflowState.Failed, result.State);
    }
}
