using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Events, start-and-return, the worker loop, and control from another process.</summary>
public sealed class RunLifecycleTests : DurableRunTestBase
{
    private sealed class Recorder : RunEventListener
    {
        public List<RunEvent> Events { get; } = [];

        public override void Write(in RunEventArguments arguments)
        {
            lock (Events)
            {
                Events.Add(arguments.Event);
            }
        }
    }

    [Fact]
    public async Task Execute_WritesEventsNumberedFromOneWithoutGaps_AndListenersSeeTheSame()
    {
        var recorder = new Recorder();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var options = new OrchestratorOptions { TimeProvider = Clock, RunStore = Store, OwnerId = "p1" };
        options.EventListeners.Add(recorder);
        var orchestrator = new Orchestrator(options).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "r" });

        var stored = await Store.GetEventsAsync("r", 0, 100, default);
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.Equal(
            ["run_created", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "run_ended"],
            stored.Select(e => e.Type));
        Assert.Equal(stored.Select(e => (e.Sequence, e.Type)), recorder.Events.Select(e => (e.Sequence, e.Type)));
        Assert.Equal(WorkflowState.Completed, Assert.IsType<RunEnded>(stored[^1]).State);
        var watched = new List<long>();
        await foreach (var runEvent in orchestrator.WatchAsync("r", 3))
        {
            watched.Add(runEvent.Sequence);
        }

        Assert.Equal(Enumerable.Range(4, stored.Count - 3).Select(i => (long)i), watched);
    }

    [Fact]
    public async Task Start_StoresAPendingRun_AWorkerLoopInAnotherProcessDrivesIt_TheHandleWaits()
    {
        var starter = Process("starter");
        var handle = await starter.Orchestrator.StartAsync("build_website", "g", new ExecuteOptions { RunId = "queued" });

        var pending = await Store.GetRunAsync("queued", default);
        Assert.Equal((WorkflowState.Pending, (string?)null, 0), (pending!.State, pending.LeaseOwner, starter.ProductManager.CallCount));
        var worker = Process("worker");
        using var stop = new CancellationTokenSource();
        var loop = worker.Orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, stop.Token);

        var result = await handle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal((0, 1), (starter.ProductManager.CallCount, worker.ProductManager.CallCount));
    }

    [Fact]
    public async Task Pause_FromAnotherProcess_TheAttemptInFlightIsRecordedThenNobodyDrivesIt_UntilUnpaused()
    {
        var owner = Process("owner");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new Signal();
        owner.Coder.OnCallAsync = async (_, _, _) =>
        {
            entered.Set();
            await release.Task;
            return "code";
        };
        var running = owner.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "p" });
        await entered.WaitAsync();

        var other = Process("other");
        await other.Orchestrator.PauseAsync("p", "ops");
        release.SetResult();
        var paused = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Paused, paused.State);
        Assert.Equal(["create_specs", "implement_code"], (await Store.GetHistoryAsync("p", default)).Select(e => e.StepId));
        Assert.Equal(0, owner.Reviewer.CallCount);
        Assert.Equal(WorkflowState.Paused, (await other.Orchestrator.ResumeAsync("p")).State);
        Assert.Equal(WorkflowState.Pending, (await other.Orchestrator.UnpauseAsync("p", "ops")).State);
        Assert.Equal(WorkflowState.Completed, (await other.Orchestrator.ResumeAsync("p")).State);
        var types = (await Store.GetEventsAsync("p", 0, 100, default)).Select(e => e.Type).ToArray();
        Assert.Contains("run_paused", types);
        Assert.Contains("run_resumed", types);
    }

    [Fact]
    public async Task Cancel_FromAnotherProcess_IsADurableRequestTheOwnerHonoursAtItsNextCommit()
    {
        var owner = Process("owner");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new Signal();
        owner.Coder.OnCallAsync = async (_, _, _) =>
        {
            entered.Set();
            await release.Task;
            return "code";
        };
        var running = owner.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "c" });
        await entered.WaitAsync();

        var other = Process("other");
        var asked = await other.Orchestrator.CancelAsync("c", "ops", "not needed");
        Assert.Equal(WorkflowState.Running, asked.State);
        release.SetResult();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((WorkflowState.Cancelled, "not needed"), (result.State, result.Error));
        Assert.Equal(0, owner.Reviewer.CallCount);
        var events = await Store.GetEventsAsync("c", 0, 100, default);
        Assert.Equal(["cancel_requested", "run_ended"], events.TakeLast(2).Select(e => e.Type));
        Assert.Equal("ops", events.OfType<CancelRequested>().Single().By);
    }
}
