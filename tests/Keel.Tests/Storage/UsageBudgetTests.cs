using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Token and cost budgets: a run stops as failed before the call that would spend more.</summary>
public sealed class UsageBudgetTests : DurableRunTestBase
{
    [Fact]
    public async Task Execute_TokenBudgetSpent_StopsTheRunAsFailedBeforeTheNextCall()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(60, 20, "model-a"));
            return "specs";
        };
        process.Coder.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(30, 10, "model-a"));
            return "code";
        };

        var result = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { MaxTokens = 100 });

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(0, process.Reviewer.CallCount);
        Assert.Contains("token budget of 100", result.Error, StringComparison.Ordinal);
        Assert.Contains("120", result.Error, StringComparison.Ordinal);
        Assert.Equal(120, result.Usage!.TotalTokens);
        Assert.Equal(new TokenUsage(60, 20, "model-a"), result.History[0].Usage);
        var stored = await process.Orchestrator.GetRunAsync(result.RunId);
        Assert.Equal((WorkflowState.Failed, 90L, 30L), (stored.State, stored.InputTokens, stored.OutputTokens));
    }

    [Fact]
    public async Task Execute_CostBudgetSpent_StopsTheRunAsFailed()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(1, 1, "m", Cost: 0.75m));
            return "specs";
        };

        var result = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { MaxCost = 0.5m });

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(0, process.Coder.CallCount);
        Assert.Contains("cost budget", result.Error, StringComparison.Ordinal);
    }
}
