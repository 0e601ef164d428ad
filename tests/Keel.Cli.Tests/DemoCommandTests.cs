namespace Keel.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Demo_WritesTheSiteAndSaysItUsesTheOfflineWorkers()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "demo", "--out", "site");

        Assert.True(result.ExitCode == 0, result.ToString());
        var index = _folder.File(Path.Combine("site", "index.html"));
        Assert.True(File.Exists(index), result.ToString());
        Assert.Contains("<h1", File.ReadAllText(index), StringComparison.Ordinal);
        Assert.Contains("No model configured: the demo uses the offline workers", result.Error, StringComparison.Ordinal);
        Assert.Contains("set KEEL_MODEL and OPENAI_API_KEY, or OLLAMA_HOST", result.Error, StringComparison.Ordinal);
        Assert.Contains(Path.GetDirectoryName(index)!, result.Out, StringComparison.Ordinal);
        Assert.Matches(@"review_code\s+reviewer\s+attempt 1\s+failed", result.Out);

        var runId = RunCommandTests.RunIdIn(result.Out);
        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId);
        Assert.Contains("builtin:build-website", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_OutIsAnExistingFile_IsRefusedAsBadInputBeforeAnyRun()
    {
        _folder.Write("taken", "a file, not a folder");

        var result = await KeelProcess.RunAsync(_folder.Path, "demo", "--out", "taken");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: --out 'taken' cannot hold the site", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Running", result.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
    }

    [Fact]
    public async Task Demo_AndAnLlmPlan_WithAProviderThatHasNoKey_StopAsBadInputBeforeAnything()
    {
        var environment = new Dictionary<string, string> { ["KEEL_MODEL"] = "openai:gpt-4o" };

        var demo = await KeelProcess.RunAsync(_folder.Path, environment, "demo", "--out", "site");
        var plan = await KeelProcess.RunAsync(_folder.Path, environment, "plan", "--goal", "A website", "--planner", "llm");

        Assert.True(demo.ExitCode == 2, demo.ToString());
        Assert.Contains("cannot be used: Model provider openai: no API key is set", demo.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", demo.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
        Assert.False(Directory.Exists(_folder.File("site")));
        Assert.True(plan.ExitCode == 2, plan.ToString());
        Assert.Contains("no API key is set", plan.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", plan.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
