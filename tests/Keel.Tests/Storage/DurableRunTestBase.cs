using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>A shared in-memory store and fake clock, and helpers that play the processes driving runs on it.</summary>
public abstract class DurableRunTestBase
{
    protected DurableRunTestBase() => Store = new InMemoryRunStore(Clock);

    protected RecordingTimeProvider Clock { get; } = new();

    /// <summary>The shared store, on the shared clock (leases are timed by the store's clock).</summary>
    protected InMemoryRunStore Store { get; }

    /// <summary>An orchestrator (a process) on the shared store, with its own workers.</summary>
    protected (Orchestrator Orchestrator, FakeWorker ProductManager, FakeWorker Coder, FakeWorker Reviewer) Process(string owner, WorkflowDefinition? workflow = null)
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(Clock, Store, ownerId: owner).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(workflow ?? Workflows.CreateBuildWebsiteWorkflow());
        return (orchestrator, pm, coder, reviewer);
    }

    /// <summary>Makes a worker block on the given attempt until its token is cancelled.</summary>
    protected static Signal BlockOn(FakeWorker worker, int attempt, Func<WorkerCall, object?>? otherwise = null)
    {
        var blocked = new Signal();
        worker.OnCallAsync = async (call, _, token) =>
        {
            if (call.Attempt == attempt && !blocked.IsSet)
            {
                blocked.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }

            return otherwise is null ? "code v" + call.Attempt : otherwise(call);
        };
        return blocked;
    }

    /// <summary>Starts a run, waits until <paramref name="blocked"/> fires, then interrupts it as a stopping process would.</summary>
    protected static async Task Interrupt(Orchestrator orchestrator, string runId, Signal blocked, string workflow = "build_website")
    {
        using var stop = new CancellationTokenSource();
        var run = orchestrator.ExecuteWorkflowAsync(workflow, "Portfolio", new ExecuteOptions { RunId = runId }, stop.Token);
        await blocked.WaitAsync();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
