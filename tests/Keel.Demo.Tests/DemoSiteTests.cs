namespace Keel.Demo.Tests;

public sealed class DemoSiteTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "keel-demo-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task WriteAsync_CompletedRun_WritesTheReviewedPage()
    {
        var orchestrator = new Orchestrator();
        foreach (var worker in OfflineWorkers.All())
        {
            orchestrator.RegisterWorker(worker);
        }

        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Build a portfolio website");

        var path = await DemoSite.WriteAsync(result, Path.Combine(_folder, "site"));

        Assert.Equal(Path.Combine(_folder, "site", "index.html"), path);
        var html = await File.ReadAllTextAsync(path);
        var spec = SpecWriter.Write("Build a portfolio website");
        Assert.Empty(PageReviewer.Check(spec, html));
        Assert.Contains("<section id=\"contact\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_RunWithoutPage_ThrowsNamingTheRun()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(OfflineWorkers.ProductManager());
        orchestrator.RegisterWorkflow(new WorkflowDefinition("specs_only").AddStep(new WorkflowStep("specs", WorkerType.ProductManager), isInitial: true));
        var result = await orchestrator.ExecuteWorkflowAsync("specs_only", "Build a blog");

        var error = await Assert.ThrowsAsync<KeelException>(() => DemoSite.WriteAsync(result, _folder));

        Assert.Contains(result.RunId, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "index.html")));
    }
}
