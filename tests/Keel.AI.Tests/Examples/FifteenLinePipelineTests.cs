namespace Keel.AI.Tests.Examples;

/// <summary>The LLM pipeline of the README (examples/LlmPipeline), line for line, against the loopback server instead of a configured provider.</summary>
public sealed class FifteenLinePipelineTests
{
    private static Orchestrator Pipeline(Microsoft.Extensions.AI.IChatClient model)
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", model,
            "You are a product manager. Write the specification of: {{goal}}.");
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", model,
            "Implement the page titled {{input.title}} with the sections {{input.sections}}. {{feedback}} Answer with HTML only.");
        orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", model,
            "Review this page against the goal: {{goal}}. Approve it, or list what to change.",
            new() { OutputSchema = """{"type":"object","properties":{"approved":{"type":"boolean"},"comments":{"type":"string"}},"required":["approved","comments"]}""" });
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return orchestrator;
    }

    [Fact]
    public async Task DocumentedPipeline_Runs()
    {
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var orchestrator = Pipeline(TestClients.For(server));

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio site for a photographer");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal(Website.Html, result.History[1].Output.GetString());
        Assert.Equal(210, result.Usage?.TotalTokens);
    }

    [Fact]
    public async Task DocumentedPipeline_RejectedPage_GoesBackToTheCoderWithTheReview()
    {
        var reviews = 0;
        await using var server = await OpenAIServer.StartAsync((request, index) =>
        {
            var system = request.Messages[0].Content;
            if (!system.StartsWith("Review", StringComparison.Ordinal))
            {
                return Website.Respond(request, index);
            }

            return ++reviews == 1
                ? Reply.Content("""{"approved":false,"comments":"the contact section has no form"}""")
                : Reply.Content("""{"approved":true,"comments":"good"}""");
        });
        var orchestrator = Pipeline(TestClients.For(server));

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio site for a photographer");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], result.Path);
        var secondCoderPrompt = server.Requests.Where(r => r.Messages[0].Content.StartsWith("Implement", StringComparison.Ordinal)).Skip(1).Single().AllText;
        Assert.Contains("sent back by step 'review_code' with the verdict 'request_changes'", secondCoderPrompt, StringComparison.Ordinal);
        Assert.Contains("the contact section has no form", secondCoderPrompt, StringComparison.Ordinal);
        Assert.Contains("Implement the page titled Lens & Light", secondCoderPrompt, StringComparison.Ordinal);
    }
}
