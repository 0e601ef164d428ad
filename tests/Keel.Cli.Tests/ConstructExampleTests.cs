namespace Keel.Cli.Tests;

/// <summary>The example workflow files of the routing constructs, run by the keel command.</summary>
public sealed class ConstructExampleTests
{
    [Theory]
    [InlineData("code-review.yaml", "reviews/performance")]
    [InlineData("pages.yaml", "write_pages/2")]
    public async Task Run_ConstructExample_Completes(string file, string unitStep)
    {
        using var temp = new TempFolder();
        var result = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, file), "--store", Path.Combine(temp.Path, "runs.db"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(unitStep, result.Out + result.Error, StringComparison.Ordinal);
    }
}
