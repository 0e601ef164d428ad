namespace Keel.AI.Tests.Examples;

/// <summary>The pipeline of docs/ai.md, line for line, against the loopback server instead of a configured provider.</summary>
public sealed class FifteenLinePipelineTests
{
    [Fact]
    public async Task DocumentedPipeline_Runs()
    {
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var model = TestClients.For(server);

        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", model,
            "You are a product manager. Write the specification of: {{goal}}.");
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", model,
            "Implement the page titled {{input.title}} with the sections {{input.sections}}. Answer with HTML only.");
        orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", model,
            "Review this page against the goal: {{goal}}", new() { OutputSchema = """{"type":"object","required":["approved"]}""" });
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio site for a photographer");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal(Website.Html, result.History[1].Output.GetString());
        Assert.Equal(210, result.Usage?.TotalTokens);
    }
}
