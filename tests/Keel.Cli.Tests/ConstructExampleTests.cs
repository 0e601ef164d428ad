namespace Keel.Cli.Tests;

/// <summary>The example workflow files of the routing constructs, run by the keel command.</summary>
public sealed class ConstructExampleTests
{
    [Theory]
    [InlineData("code-review.yaml", "reviews/performance")]
    [InlineData("pages.yaml", "write_pages/2")]
    [InlineData("release.yaml", "build")]
    public async Task Run_ConstructExample_Completes(string file, string unitStep)
    {
        using var temp = new TempFolder();
        var result = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, file), "--store", Path.Combine(temp.Path, "runs.db"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(unitStep, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SubWorkflowExample_RunsTheChildRunFromTheFileBesideIt()
    {
        using var temp = new TempFolder();
        var store = Path.Combine(temp.Path, "runs.db");
        var result = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, "release.yaml"), "--store", store);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var runId = System.Text.RegularExpressions.Regex.Match(result.Out, @"\(run ([0-9a-f]+)\)").Groups[1].Value;
        Assert.NotEmpty(runId);
        var child = await KeelProcess.RunAsync(temp.Path, "show", runId + ":build:1:1", "--store", store);
        Assert.True(child.ExitCode == 0, child.Out + child.Error);
        Assert.Contains("checked-build", child.Out, StringComparison.Ordinal);
        Assert.Contains("State     completed", child.Out, StringComparison.Ordinal);
        Assert.Contains("check", child.Out, StringComparison.Ordinal);
    }
}
