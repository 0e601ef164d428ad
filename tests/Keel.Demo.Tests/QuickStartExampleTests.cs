namespace Keel.Demo.Tests;

/// <summary>Runs examples/QuickStart (the README's example) as a real process.</summary>
public sealed class QuickStartExampleTests
{
    [Fact]
    public async Task Example_RunsTheReadmeExampleToCompletion()
    {
        var (exitCode, output) = await BuildWebsiteExampleTests.RunAsync(BuildWebsiteExampleTests.ExamplePath("QuickStart"));

        Assert.True(exitCode == 0, $"exit code {exitCode}, output:\n{output}");
        Assert.Contains("Final State: Completed", output, StringComparison.Ordinal);
        Assert.Contains("create_specs [product_manager] attempt 1: Succeeded -> implement_code", output, StringComparison.Ordinal);
        Assert.Contains("implement_code [coder] attempt 1: Succeeded -> review_code", output, StringComparison.Ordinal);
        Assert.Contains("review_code [reviewer] attempt 1: Succeeded -> complete", output, StringComparison.Ordinal);
    }
}
