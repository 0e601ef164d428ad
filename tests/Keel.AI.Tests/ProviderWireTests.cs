namespace Keel.AI.Tests;

public sealed class ProviderWireTests
{
    [Fact]
    public async Task Ollama_ChatWorker_WithSchema_OverTheWire_ReportsUsage()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content(Website.SpecJson, 12, 9, model: "llama-test"));
        var client = KeelAI.CreateChatClient(new KeelAIOptions { Provider = ModelProvider.Ollama, Model = "llama-test", Endpoint = server.Root });
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", client, "Specify {{goal}}");
        var workflow = new WorkflowDefinition("specs");
        workflow.AddStep(new WorkflowStep("create_specs", WorkerType.ProductManager), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("specs", "a bakery site");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal("Lens & Light", result.GetFinalOutput<Spec>()!.Title);
        var request = Assert.Single(server.Requests);
        Assert.Equal("llama-test", request.Body.GetProperty("model").GetString());
        Assert.Equal("Specify a bakery site", request.Messages[0].Content);
        Assert.Equal(new TokenUsage(12, 9, "llama-test"), result.History[0].Usage);
    }

    [Fact]
    public async Task AzureOpenAI_UsesTheV1PathUnderTheResourceEndpoint()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content("hi"));
        var options = new KeelAIOptions { Provider = ModelProvider.AzureOpenAI, Model = "my-deployment", Endpoint = server.Root, ApiKey = "azure-key-123456789" };
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", KeelAI.CreateChatClient(options), "Say hi");
        var workflow = new WorkflowDefinition("hi");
        workflow.AddStep(new WorkflowStep("hi", WorkerType.Coder), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("hi", "x");

        Assert.Equal(WorkflowState.Completed, result.State);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal("my-deployment", request.Body.GetProperty("model").GetString());
        Assert.Equal("Bearer azure-key-123456789", request.Authorization);
    }

    [Fact]
    public async Task AttemptTimeout_IsRetriedInsideOneAttempt()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Delayed(TimeSpan.FromMinutes(5), Reply.Content("late")), Reply.Content("on time"));
        var client = KeelAI.CreateChatClient(new KeelAIOptions
        {
            Provider = ModelProvider.OpenAICompatible,
            Model = "gpt-test",
            Endpoint = server.BaseUrl,
            Resilience = new ModelResilienceOptions { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(1.5) },
        });
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", client, "Answer");
        var workflow = new WorkflowDefinition("slow");
        workflow.AddStep(new WorkflowStep("answer", WorkerType.Coder), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("slow", "x");

        Assert.True(result.State == WorkflowState.Completed, result.History[0].Error);
        Assert.Equal(2, server.Requests.Count);
        var entry = Assert.Single(result.History);
        Assert.Equal("on time", entry.Output.GetString());
    }
}
