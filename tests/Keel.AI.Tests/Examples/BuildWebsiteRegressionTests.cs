using Microsoft.Extensions.AI;

namespace Keel.AI.Tests.Examples;

/// <summary>
/// How a user guards a pipeline with a recorded run. The recording was made once against a real model
/// (through a <see cref="RecordingChatClient"/>) and exported with <see cref="KeelReplay.ExportAsync(string, WorkflowResult, ChatRecording, CancellationToken)"/>;
/// the test replays it with no network. Change a prompt or the workflow and the test names the step
/// and the difference.
/// </summary>
public sealed class BuildWebsiteRegressionTests
{
    /// <summary>The production pipeline, built on whatever chat client it is given.</summary>
    public static Orchestrator BuildWebsite(IChatClient model)
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", model, "You are a product manager. Write the specification of: {{goal}}.");
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", model, "You are a web developer. Implement the page titled {{input.title}} with the sections {{input.sections}}.");
        orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", model, "Review this page against the goal: {{goal}}", new ChatWorkerOptions { OutputSchema = Website.ReviewSchema });
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return orchestrator;
    }

    [Fact]
    public async Task BuildWebsite_TakesTheRecordedPath()
    {
        var replay = await KeelReplay.LoadAsync("Examples/Recordings/build_website.json");

        var result = await replay.RunAsync(BuildWebsite(replay.ChatClient));

        replay.AssertSamePath(result);
        Assert.Equal(WorkflowState.Completed, result.State);
    }
}
