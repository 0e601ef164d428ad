namespace Keel.Sqlite.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Execute_WithSqlite_CompletesAndStoresHistory()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "keel-smoke-" + Guid.NewGuid().ToString("N") + ".db");
        using (var store = SqliteRunStore.Open(path))
        {
            var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.ProductManager, "PM", "specs", (input, ctx, ct) => new ValueTask<object?>(new { title = input.GetString() })));
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "code", (input, ctx, ct) => new ValueTask<object?>("<html>" + input.GetProperty("title").GetString() + "</html>")));
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Reviewer, "Reviewer", "review", (input, ctx, ct) => new ValueTask<object?>(new { ok = true })));
            orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
            var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
            Assert.Equal(WorkflowState.Completed, result.State);
            var stored = await orchestrator.GetResultAsync(result.RunId);
            Assert.Equal(3, stored.History.Count);
            Assert.Equal(WorkflowState.Completed, stored.State);
            Assert.Equal("<html>Portfolio</html>", stored.History[1].Output.GetString());
        }

        File.Delete(path);
    }
}
