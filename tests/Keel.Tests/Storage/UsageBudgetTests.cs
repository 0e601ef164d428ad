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

public sealed class StoredBudgetTests
{
    [Fact]
    public async Task Resume_BudgetGivenAtStart_IsHonouredWithoutBeingPassedAgain()
    {
        var store = new InMemoryRunStore();
        var calls = 0;
        Orchestrator Build(Func<CancellationToken, Task> second)
        {
            var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "spends tokens", async (input, context, ct) =>
            {
                calls++;
                context.ReportUsage(new TokenUsage(600, 0));
                if (context.Attempt.StepId == "second")
                {
                    await second(ct);
                }

                return "ok";
            }));
            orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline(
                [("first", WorkerType.Coder, "1"), ("second", WorkerType.Coder, "2"), ("third", WorkerType.Coder, "3")], name: "budgeted"));
            return orchestrator;
        }

        using var interrupt = new CancellationTokenSource();
        var first = Build(async ct =>
        {
            await interrupt.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.ExecuteWorkflowAsync("budgeted", "goal", new ExecuteOptions { MaxTokens = 1000 }, interrupt.Token));
        var runId = (await store.ListRunsAsync(new RunQuery(), default))[0].RunId;
        Assert.Equal(1000, (await store.GetRunAsync(runId, default))!.MaxTokens);

        var result = await Build(_ => Task.CompletedTask).ResumeAsync(runId);

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("token budget of 1000", result.Error, StringComparison.Ordinal);
        Assert.Equal(["first", "second"], result.History.Select(e => e.StepId));
        Assert.Equal(3, calls);
    }
}
