using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keel.Tests.DependencyInjection;

public sealed class RecoverOnStartupTests
{
    private static WorkflowDefinition Pipeline() => Workflows.CreateGenericPipeline(
        [("draft", WorkerType.Coder, "draft"), ("review", WorkerType.Reviewer, "review")],
        name: "recoverable");

    [Fact]
    public async Task HostStarts_RunInterruptedEarlier_IsResumedToCompletion()
    {
        var store = new InMemoryRunStore();
        var first = new Orchestrator(new OrchestratorOptions { RunStore = store });
        first.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "drafts", (input, context, ct) => ValueTask.FromResult<object?>("draft")));
        first.RegisterWorker(new WorkerDefinition(WorkerType.Reviewer, "Stuck reviewer", "never answers", async (input, context, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        }));
        first.RegisterWorkflow(Pipeline());
        using var interrupt = new CancellationTokenSource();
        var running = first.ExecuteWorkflowAsync("recoverable", "goal", cancellationToken: interrupt.Token);
        while ((await store.ListRunsAsync(new RunQuery(), CancellationToken.None)) is not [{ HistoryCount: 1 }])
        {
            await Task.Yield();
        }

        await interrupt.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var runId = (await store.ListRunsAsync(new RunQuery(), CancellationToken.None))[0].RunId;

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKeel(keel => keel
            .UseRunStore(store)
            .AddWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "drafts", (input, context, ct) => ValueTask.FromResult<object?>("draft")))
            .AddWorker(new WorkerDefinition(WorkerType.Reviewer, "Reviewer", "approves", (input, context, ct) => ValueTask.FromResult<object?>("approved")))
            .AddWorkflow(Pipeline())
            .RecoverOnStartup());
        using var host = builder.Build();
        await host.StartAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        RunRecord? run;
        do
        {
            await Task.Delay(10, bound.Token);
            run = await store.GetRunAsync(runId, CancellationToken.None);
        }
        while (run!.State == WorkflowState.Running);
        await host.StopAsync();

        Assert.Equal(WorkflowState.Completed, run.State);
        var history = await store.GetHistoryAsync(runId, CancellationToken.None);
        Assert.Equal(["draft", "review"], history.Select(e => e.StepId));
        Assert.Equal("Reviewer", history[1].WorkerName);
    }
}
