using System.Text.Json;

namespace Keel.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Execute_BuildWebsite_CompletesThroughThreeSteps()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.ProductManager, "PM", "specs", (input, ctx, ct) => new ValueTask<object?>(new { title = input.GetString() })));
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "code", (input, ctx, ct) => new ValueTask<object?>("<html>" + input.GetProperty("title").GetString() + "</html>")));
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Reviewer, "Reviewer", "review", (input, ctx, ct) => new ValueTask<object?>(new { ok = true })));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal("<html>Portfolio</html>", result.History[1].Output.GetString());
        Assert.True(result.FinalOutput!.Value.GetProperty("ok").GetBoolean());
    }
}
