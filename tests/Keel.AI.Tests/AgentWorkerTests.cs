using Microsoft.Agents.AI;

namespace Keel.AI.Tests;

public sealed class AgentWorkerTests
{
    [Fact]
    public async Task ChatClientAgent_RunsAsAWorker_OverTheWire_AndReportsUsage()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content("Three bullet points about tides.", 21, 7));
        var agent = new ChatClientAgent(TestClients.For(server), instructions: "You are a concise researcher.", name: "researcher");
        var orchestrator = new Orchestrator();
        orchestrator.RegisterAgentWorker("researcher", "Researcher", agent, message: "Research: {{input}} (for {{data.reader}})", prices: new PriceTable().Add("gpt-test", 1m, 1m));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction("editor", "Editor", (input, _) => input.GetString()!.ToUpperInvariant()));
        var workflow = new WorkflowDefinition("research");
        workflow.AddStep(new WorkflowStep("research", "researcher", onSuccess: "edit"), isInitial: true);
        workflow.AddStep(new WorkflowStep("edit", "editor"));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("research", "tides", new ExecuteOptions { Data = new Dictionary<string, object?> { ["reader"] = "a child" } });

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal("Three bullet points about tides.", result.History[0].Output.GetString());
        Assert.Equal("THREE BULLET POINTS ABOUT TIDES.", result.FinalOutput!.Value.GetString());
        var request = Assert.Single(server.Requests);
        Assert.Contains(request.Messages, m => m.Role == "system" && m.Content.Contains("concise researcher", StringComparison.Ordinal));
        Assert.Equal("Research: tides (for a child)", request.Messages[^1].Content);
        Assert.Equal(21, result.History[0].Usage!.InputTokens);
        Assert.Equal(7, result.History[0].Usage!.OutputTokens);
        Assert.Null(result.History[1].Usage);
    }

    [Fact]
    public async Task AgentFailure_IsAFailedAttempt_RetriedByTheHub()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Status(400, """{"error":{"message":"bad request"}}"""), Reply.Content("fine"));
        var agent = new ChatClientAgent(TestClients.For(server), instructions: "Answer.");
        var orchestrator = new Orchestrator();
        orchestrator.RegisterAgentWorker("answerer", "Answerer", agent);
        var workflow = new WorkflowDefinition("ask");
        workflow.AddStep(new WorkflowStep("ask", "answerer", maxRetries: 1), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("ask", "why?");

        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], result.History.Select(h => h.Outcome));
        Assert.Contains("400", result.History[0].Error);
        Assert.Equal("fine", result.FinalOutput!.Value.GetString());
    }

    [Fact]
    public async Task AgentCalls_AreRecordedByAttempt_AndReplayedWithoutTheServer()
    {
        var recording = new ChatRecording();
        WorkflowResult recorded;
        await using (var server = await OpenAIServer.StartAsync(Reply.Content("a summary", 9, 3)))
        {
            recorded = await RunAsync(new RecordingChatClient(TestClients.For(server), recording));
        }

        var call = Assert.Single(recording.Calls);
        Assert.Equal(new ChatCallKey("summarise", 1, 1, 1), call.Key);
        var file = Path.Combine(Path.GetTempPath(), $"keel-agent-{Guid.NewGuid():N}.json");
        await KeelReplay.ExportAsync(file, recorded, recording);
        var replay = await KeelReplay.LoadAsync(file);
        File.Delete(file);

        var replayed = await RunAsync(replay.ChatClient);

        replay.AssertSamePath(replayed);
        Assert.Equal("a summary", replayed.FinalOutput!.Value.GetString());
    }

    private static Task<WorkflowResult> RunAsync(Microsoft.Extensions.AI.IChatClient model)
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterAgentWorker("summariser", "Summariser", new ChatClientAgent(model, instructions: "Summarise."));
        var workflow = new WorkflowDefinition("summary");
        workflow.AddStep(new WorkflowStep("summarise", "summariser"), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator.ExecuteWorkflowAsync("summary", "a long text");
    }
}
