using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class OrchestratorOptionsTests
{
    [Fact]
    public async Task MaxConcurrentRuns_SecondRunWaitsUntilTheFirstEnds()
    {
        var release = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new Signal();
        var calls = 0;
        var worker = new FakeWorker(WorkerType.Coder)
        {
            OnCallAsync = (_, _, _) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    firstStarted.Set();
                    return release.Task;
                }

                return Task.FromResult<object?>("second");
            },
        };
        var orchestrator = new Orchestrator(new OrchestratorOptions { TimeProvider = new RecordingTimeProvider(), MaxConcurrentRuns = 1 }).With(worker);
        orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("code", WorkerType.Coder, "Code")]));

        var first = orchestrator.ExecuteWorkflowAsync("generic_pipeline", "one");
        await firstStarted.WaitAsync();
        var second = orchestrator.ExecuteWorkflowAsync("generic_pipeline", "two");

        Assert.False(second.IsCompleted);
        Assert.Equal(1, worker.CallCount);
        release.SetResult("first");
        var results = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["first", "second"], results.Select(r => r.FinalOutput!.Value.GetString()));
        Assert.Equal(2, worker.CallCount);
    }

    [Fact]
    public void MaxConcurrentRuns_BelowOne_IsRefused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new Orchestrator(new OrchestratorOptions { MaxConcurrentRuns = 0 }));

    [Fact]
    public async Task RunIdFactory_NamesTheRuns()
    {
        var next = 0;
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunIdFactory = () => "run-" + ++next })
            .With(new FakeWorker(WorkerType.Coder));
        orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("code", WorkerType.Coder, "Code")]));

        var a = await orchestrator.ExecuteWorkflowAsync("generic_pipeline", "g");
        var b = await orchestrator.ExecuteWorkflowAsync("generic_pipeline", "g", new ExecuteOptions { RunId = "chosen" });

        Assert.Equal(("run-1", "chosen"), (a.RunId, b.RunId));
        Assert.Equal(a.RunId, a.WorkflowId);
    }

    [Fact]
    public async Task StoreOperations_WithoutAStore_AreRefusedWithAClearMessage()
    {
        var orchestrator = new Orchestrator();

        var error = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ResumeAsync("any"));

        Assert.Contains("OrchestratorOptions.RunStore", error.Message, StringComparison.Ordinal);
    }
}
