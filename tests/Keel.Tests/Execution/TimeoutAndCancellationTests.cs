using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class TimeoutAndCancellationTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);

    private static WorkflowDefinition TwoSteps(int maxRetries = 0, TimeSpan? timeout = null)
    {
        var workflow = new WorkflowDefinition("slow_flow");
        workflow.AddStep(new WorkflowStep("prepare", "prep_type", onSuccess: "slow"), isInitial: true);
        workflow.AddStep(new WorkflowStep("slow", "slow_type", onSuccess: WorkflowStep.Complete, maxRetries: maxRetries, timeout: timeout));
        return workflow;
    }

    /// <summary>A worker that never finishes and never looks at its token.</summary>
    private static FakeWorker Stubborn(Signal called) => new("slow_type")
    {
        OnCallAsync = (_, _, _) =>
        {
            called.Set();
            return new TaskCompletionSource<object?>().Task;
        },
    };

    /// <summary>A worker that waits for its token on the first call and succeeds on later ones.</summary>
    private static FakeWorker Polite(Signal called) => new("slow_type")
    {
        OnCallAsync = async (call, _, token) =>
        {
            if (call.Visit == 1 && !called.IsSet)
            {
                called.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }

            return "finished";
        },
    };

    [Fact]
    public async Task Execute_WorkerBlocksItsThreadPastTheTimeout_IsTimedOutWhenItReturns()
    {
        var clock = new RecordingTimeProvider();
        var blocking = new FakeWorker("slow_type")
        {
            // Synchronous: the time passes while the worker holds the hub's thread, as Thread.Sleep would.
            OnCall = (_, _) =>
            {
                clock.Advance(StepTimeout + TimeSpan.FromSeconds(1));
                return "late";
            },
        };
        var orchestrator = Hub.Create(clock).With(new FakeWorker("prep_type"), blocking);
        orchestrator.RegisterWorkflow(TwoSteps(timeout: StepTimeout));

        var result = await orchestrator.ExecuteWorkflowAsync("slow_flow", "g");

        Assert.Equal(WorkflowState.Failed, result.State);
        var entry = result.History[^1];
        Assert.Equal(("slow", AttemptOutcome.TimedOut), (entry.StepId, entry.Outcome));
        Assert.Contains("timed out after 5 s (the worker blocked its thread", entry.Error, StringComparison.Ordinal);
        Assert.Equal(1, blocking.CallCount);
    }

    [Fact]
    public async Task Execute_WorkerIgnoresItsToken_StillTimesOut()
    {
        var clock = new RecordingTimeProvider();
        var called = new Signal();
        var orchestrator = Hub.Create(clock).With(new FakeWorker("prep_type"), Stubborn(called));
        orchestrator.RegisterWorkflow(TwoSteps(timeout: StepTimeout));

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g");
        await called.WaitAsync();
        await clock.WaitForTimerAsync(StepTimeout);
        clock.Advance(StepTimeout - TimeSpan.FromTicks(1));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Failed, result.State);
        var entry = result.History[^1];
        Assert.Equal(("slow", AttemptOutcome.TimedOut), (entry.StepId, entry.Outcome));
        Assert.Contains("timed out after 5 s", entry.Error, StringComparison.Ordinal);
        Assert.Equal(StepTimeout, entry.Duration);
        Assert.Contains("'slow'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_TimedOutAttempt_IsRetried()
    {
        var clock = new RecordingTimeProvider();
        var called = new Signal();
        var slow = new FakeWorker("slow_type")
        {
            OnCallAsync = (call, _, _) =>
            {
                if (call.Attempt == 1)
                {
                    called.Set();
                    return new TaskCompletionSource<object?>().Task;
                }

                return Task.FromResult<object?>("second time lucky");
            },
        };
        var orchestrator = Hub.Create(clock).With(new FakeWorker("prep_type"), slow);
        orchestrator.RegisterWorkflow(TwoSteps(maxRetries: 1, timeout: StepTimeout));

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g");
        await called.WaitAsync();
        await clock.WaitForTimerAsync(StepTimeout);
        clock.Advance(StepTimeout);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([AttemptOutcome.Succeeded, AttemptOutcome.TimedOut, AttemptOutcome.Succeeded], result.History.Select(e => e.Outcome));
    }

    [Fact]
    public async Task Execute_WorkerHonoursTimeoutToken_TimesOut()
    {
        var clock = new RecordingTimeProvider();
        var called = new Signal();
        var orchestrator = Hub.Create(clock).With(new FakeWorker("prep_type"), Polite(called));
        orchestrator.RegisterWorkflow(TwoSteps(timeout: StepTimeout));

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g");
        await called.WaitAsync();
        await clock.WaitForTimerAsync(StepTimeout);
        clock.Advance(StepTimeout);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AttemptOutcome.TimedOut, result.History[^1].Outcome);
        Assert.Equal(WorkflowState.Failed, result.State);
    }

    [Fact]
    public async Task Execute_CallerCancels_ThrowsOperationCanceled()
    {
        var called = new Signal();
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(new FakeWorker("prep_type"), Polite(called));
        orchestrator.RegisterWorkflow(TwoSteps());
        using var cancel = new CancellationTokenSource();

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", cancellationToken: cancel.Token);
        await called.WaitAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Execute_CallerCancelsWhileWorkerIgnoresItsToken_StillThrowsOperationCanceled()
    {
        var called = new Signal();
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(new FakeWorker("prep_type"), Stubborn(called));
        orchestrator.RegisterWorkflow(TwoSteps());
        using var cancel = new CancellationTokenSource();

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", cancellationToken: cancel.Token);
        await called.WaitAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Execute_SynchronousWorkerThrowsForTheCallersCancellation_ThrowsOperationCanceledAndRecordsNothingForIt()
    {
        // The worker completes at once (no task): its exception is classified where it is thrown.
        var store = new InMemoryRunStore();
        using var cancel = new CancellationTokenSource();
        var slow = new FakeWorker("slow_type")
        {
            OnCall = (_, _) =>
            {
                cancel.Cancel();
                cancel.Token.ThrowIfCancellationRequested();
                return null;
            },
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker("prep_type"), slow);
        orchestrator.RegisterWorkflow(TwoSteps());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => orchestrator.ExecuteWorkflowAsync("slow_flow", "g", new ExecuteOptions { RunId = "run-sync-cancel" }, cancel.Token));

        var stored = await store.GetRunAsync("run-sync-cancel", CancellationToken.None);
        Assert.Equal(("slow", WorkflowState.Running), (stored!.CurrentStep, stored.State));
        Assert.Equal(["prepare"], (await store.GetHistoryAsync("run-sync-cancel", CancellationToken.None)).Select(e => e.StepId));
    }

    [Fact]
    public async Task Execute_SynchronousWorkerThrowsOperationCanceledOfItsOwn_IsAFailedAttempt()
    {
        // Not the caller's cancellation: the attempt fails and the run goes on to its failure route.
        var slow = new FakeWorker("slow_type") { OnCall = (_, _) => throw new OperationCanceledException("gave up") };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(new FakeWorker("prep_type"), slow);
        orchestrator.RegisterWorkflow(TwoSteps());

        var result = await orchestrator.ExecuteWorkflowAsync("slow_flow", "g");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(AttemptOutcome.Failed, result.History[^1].Outcome);
        Assert.Contains("OperationCanceledException: gave up", result.History[^1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_CallerCancelsWithStore_RecordsNothingForTheAttemptInFlightAndResumeFinishes()
    {
        var store = new InMemoryRunStore();
        var called = new Signal();
        var slow = Polite(called);
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker("prep_type"), slow);
        orchestrator.RegisterWorkflow(TwoSteps());
        using var cancel = new CancellationTokenSource();

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", new ExecuteOptions { RunId = "run-cancel" }, cancel.Token);
        await called.WaitAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));

        var stored = await store.GetRunAsync("run-cancel", CancellationToken.None);
        Assert.Equal(WorkflowState.Running, stored!.State);
        Assert.Equal("slow", stored.CurrentStep);
        var history = await store.GetHistoryAsync("run-cancel", CancellationToken.None);
        Assert.Equal(["prepare"], history.Select(e => e.StepId));

        var resumed = await orchestrator.ResumeAsync("run-cancel");

        Assert.Equal(WorkflowState.Completed, resumed.State);
        Assert.Equal([("prepare", 1), ("slow", 1)], resumed.History.Select(e => (e.StepId, e.Attempt)));
        Assert.Equal("finished", resumed.FinalOutput!.Value.GetString());
        Assert.Equal(2, slow.CallCount);
        Assert.Equal(slow.Calls[0].IdempotencyKey, slow.Calls[1].IdempotencyKey);
    }

    [Fact]
    public async Task CancelAsync_RunInFlight_RecordsCancelledEntryAndRunEndsCancelled()
    {
        var store = new InMemoryRunStore();
        var called = new Signal();
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker("prep_type"), Polite(called));
        orchestrator.RegisterWorkflow(TwoSteps());

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", new ExecuteOptions { RunId = "run-stop" });
        await called.WaitAsync();
        var cancelled = await orchestrator.CancelAsync("run-stop", by: "alice", reason: "no longer needed").WaitAsync(TimeSpan.FromSeconds(10));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Cancelled, result.State);
        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var entry = cancelled.History[^1];
        Assert.Equal(("slow", AttemptOutcome.Cancelled, "cancelled"), (entry.StepId, entry.Outcome, entry.NextStep));
        Assert.Equal("no longer needed", entry.Error);
        Assert.Equal("no longer needed", cancelled.Error);
        Assert.Equal(WorkflowState.Cancelled, (await store.GetRunAsync("run-stop", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task CancelAsync_InterruptedRun_RecordsWhoCancelledAndResumeDoesNotRunIt()
    {
        var store = new InMemoryRunStore();
        var called = new Signal();
        var slow = Polite(called);
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker("prep_type"), slow);
        orchestrator.RegisterWorkflow(TwoSteps());
        using var cancel = new CancellationTokenSource();
        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", new ExecuteOptions { RunId = "run-parked" }, cancel.Token);
        await called.WaitAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));

        var cancelled = await orchestrator.CancelAsync("run-parked", by: "bob");
        var resumed = await orchestrator.ResumeAsync("run-parked");

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var entry = cancelled.History[^1];
        Assert.Equal(("slow", AttemptOutcome.Cancelled, "bob"), (entry.StepId, entry.Outcome, entry.WorkerName));
        Assert.Equal(WorkflowState.Cancelled, resumed.State);
        Assert.Equal(1, slow.CallCount);
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.CancelAsync("run-parked"));
    }

    [Fact]
    public async Task CancelAsync_WorkerIgnoresItsToken_RunStillEndsCancelled()
    {
        var store = new InMemoryRunStore();
        var called = new Signal();
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker("prep_type"), Stubborn(called));
        orchestrator.RegisterWorkflow(TwoSteps());

        var run = orchestrator.ExecuteWorkflowAsync("slow_flow", "g", new ExecuteOptions { RunId = "run-stubborn" });
        await called.WaitAsync();
        var cancelled = await orchestrator.CancelAsync("run-stubborn", by: "carol").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        Assert.Equal(AttemptOutcome.Cancelled, cancelled.History[^1].Outcome);
        Assert.Equal(WorkflowState.Cancelled, (await run.WaitAsync(TimeSpan.FromSeconds(10))).State);
    }

    [Fact]
    public async Task CancelAsync_DuringRetryDelay_RecordsCancelledEntryAndRunEndsCancelled()
    {
        var clock = new RecordingTimeProvider();
        var store = new InMemoryRunStore();
        var slow = new FakeWorker("slow_type") { OnCall = (_, _) => Hub.Fail("transient") };
        var workflow = new WorkflowDefinition("delayed_flow");
        workflow.AddStep(new WorkflowStep("slow", "slow_type", maxRetries: 3, retryDelay: TimeSpan.FromMinutes(1)), isInitial: true);
        var orchestrator = Hub.Create(clock, store).With(slow);
        orchestrator.RegisterWorkflow(workflow);

        var run = orchestrator.ExecuteWorkflowAsync("delayed_flow", "g", new ExecuteOptions { RunId = "run-delayed" });
        await clock.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        var cancelled = await orchestrator.CancelAsync("run-delayed", by: "erin").WaitAsync(TimeSpan.FromSeconds(10));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, slow.CallCount);
        Assert.Equal(WorkflowState.Cancelled, result.State);
        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var entry = cancelled.History[^1];
        Assert.Equal(("slow", 2, AttemptOutcome.Cancelled, "erin"), (entry.StepId, entry.Attempt, entry.Outcome, entry.WorkerName));
        Assert.Equal(2, cancelled.History.Count);
    }
}
