namespace Keel.Tests.Storage;

/// <summary>An unpause made in the owner's process while that owner lets go of the run it has just paused.</summary>
public sealed class UnpauseWhileLettingGoTests
{
    private static readonly WorkerType Writer = new("writer");

    [Fact]
    public async Task Unpause_ARunThatEnded_IsRefusedAsPauseIs()
    {
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore() });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) => "draft", "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("draft", Writer), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        await orchestrator.ExecuteWorkflowAsync("write", "g", new ExecuteOptions { RunId = "done" });

        var pause = await Assert.ThrowsAsync<KeelException>(() => orchestrator.PauseAsync("done", "ops"));
        var unpause = await Assert.ThrowsAsync<KeelException>(() => orchestrator.UnpauseAsync("done", "ops"));

        Assert.Contains("it is completed", pause.Message, StringComparison.Ordinal);
        Assert.Equal("Run 'done' cannot be unpaused: it is completed.", unpause.Message);
    }

    [Fact]
    public async Task Unpause_RefusedWhileTheOwnerHeldTheRun_ButTheOwnerLetGoBeforeTheRefusalWasMade_IsMade()
    {
        var store = new HeldPause(new InMemoryRunStore());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
        orchestrator.RegisterWorker(WorkerDefinition.Create<string, string>(Writer, "Writer", async (input, context, token) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.SetResult();
                await release.Task.ConfigureAwait(false);
            }

            return "draft";
        }, "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("outline", Writer, onSuccess: "draft"), isInitial: true);
        workflow.AddStep(new WorkflowStep("draft", Writer));
        orchestrator.RegisterWorkflow(workflow);

        var running = orchestrator.ExecuteWorkflowAsync("write", "g", new ExecuteOptions { RunId = "p" });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await orchestrator.PauseAsync("p", "ops");
        release.SetResult();
        await store.PauseHeld.WaitAsync(TimeSpan.FromSeconds(30));

        // The unpause is refused while the owner still holds the run; reading who holds it is held until the
        // owner has let go, so the refusal is complete only after the owner is gone.
        store.HoldTheNextReadButOne();
        var unpause = orchestrator.UnpauseAsync("p", "ops");
        await store.ReadHeld.WaitAsync(TimeSpan.FromSeconds(30));
        store.LetThePauseGo();
        Assert.Equal(WorkflowState.Paused, (await running.WaitAsync(TimeSpan.FromSeconds(30))).State);
        store.LetTheReadGo();

        Assert.Equal(WorkflowState.Pending, (await unpause.WaitAsync(TimeSpan.FromSeconds(30))).State);
        Assert.Equal(WorkflowState.Completed, (await orchestrator.ResumeAsync("p")).State);
        Assert.Equal(["outline", "draft"], (await store.GetHistoryAsync("p", default)).Select(e => e.StepId));
    }

    /// <summary>Holds the commit that pauses the run, and on request one read of the run.</summary>
    private sealed class HeldPause(IRunStore inner) : DelegatingRunStore(inner)
    {
        private readonly TaskCompletionSource _pauseHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _letPause = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _readHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _letRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _readsToPass = -1;

        public Task PauseHeld => _pauseHeld.Task;

        public Task ReadHeld => _readHeld.Task;

        /// <summary>The unpause reads the run, then its refusal reads who holds it: that second read is held.</summary>
        public void HoldTheNextReadButOne() => Volatile.Write(ref _readsToPass, 1);

        public void LetThePauseGo() => _letPause.TrySetResult();

        public void LetTheReadGo() => _letRead.TrySetResult();

        public override async ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            var control = await base.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            if (checkpoint.State == WorkflowState.Paused && _pauseHeld.TrySetResult())
            {
                await _letPause.Task.ConfigureAwait(false);
            }

            return control;
        }

        public override async ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _readsToPass) >= 0 && Interlocked.Decrement(ref _readsToPass) == -1 && _readHeld.TrySetResult())
            {
                await _letRead.Task.ConfigureAwait(false);
            }

            return await base.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
    }
}
