namespace Keel.Demo.Tests;

/// <summary>Runs examples/Planning (the README's OrchestrationService example) as a real process.</summary>
public sealed class PlanningExampleTests
{
    [Fact]
    public async Task Example_PlansTheSeedGoal_DryRunsFreezesApprovesAndRunsIt()
    {
        var (exitCode, output) = await BuildWebsiteExampleTests.RunAsync(BuildWebsiteExampleTests.ExamplePath("Planning"));

        Assert.True(exitCode == 0, $"exit code {exitCode}, output:\n{output}");
        Assert.Contains(": product_manager -> coder -> reviewer", output, StringComparison.Ordinal);
        Assert.Contains("the goal's words matched 'website'", output, StringComparison.Ordinal);
        Assert.Contains("Dry run: create_specs -> implement_code -> review_code (Completed)", output, StringComparison.Ordinal);
        Assert.Contains("Final State: Completed", output, StringComparison.Ordinal);
        Assert.Contains("review_code [reviewer] attempt 1: Succeeded -> complete", output, StringComparison.Ordinal);
    }
}
