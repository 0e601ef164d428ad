namespace Keel.Tests.Storage;

/// <summary>
/// A run whose lease is held by a process of this machine that is gone is taken at once, whatever the run's state
/// and whoever asks: a worker loop claiming it (also before its first commit, while it is still pending), a resume,
/// a cancel. Here the gone process is one with this process's id that this process did not make (a container's
/// app is process 1 after every restart), so no process has to be killed.
/// </summary>
public sealed class DeadOwnerTests
{
    private static readonly WorkerType Writer = new("writer");

    private static readonly string Gone = $"{Environment.MachineName}:{Environment.ProcessId}:deadbeef";

    [Fact]
    public void IsGone_AnOwnerWithThisProcesssIdNotMadeHere_IsGone_OneMadeHereIsNot()
    {
        Assert.True(OwnerIds.IsGone(Gone));
        Assert.False(OwnerIds.IsGone(OwnerIds.ForThisProcess()));
        Assert.False(OwnerIds.IsGone("some-other-host:1:abcd"));
        Assert.False(OwnerIds.IsGone("not an owner id"));
    }

    [Fact]
    public async Task Recover_APendingRunClaimedByAProcessThatIsGone_IsTakenAtOnce_WithALeaseLostEvent()
    {
        var (store, orchestrator, calls) = Setup();
        var handle = await orchestrator.StartAsync("write", "g");
        Assert.NotNull(await store.TryAcquireLeaseAsync(handle.RunId, Gone, TimeSpan.FromHours(1), null, CancellationToken.None));

        var recovered = await orchestrator.RecoverAsync();

        Assert.Equal(WorkflowState.Completed, Assert.Single(recovered).State);
        Assert.Equal(1, calls());
        var events = await store.GetEventsAsync(handle.RunId, 0, 100, CancellationToken.None);
        var lost = Assert.Single(events.OfType<LeaseLost>());
        Assert.Equal(Gone, lost.PreviousOwner);
    }

    [Fact]
    public async Task Resume_ARunHeldByAProcessThatIsGone_Proceeds_NotRefusedAsOwnedElsewhere()
    {
        var (store, orchestrator, calls) = Setup();
        var handle = await orchestrator.StartAsync("write", "g");
        await store.TryAcquireLeaseAsync(handle.RunId, Gone, TimeSpan.FromHours(1), null, CancellationToken.None);

        var result = await orchestrator.ResumeAsync(handle.RunId);

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, calls());
    }

    [Fact]
    public async Task CancelAndPause_OfARunHeldByAProcessThatIsGone_AreAppliedAtOnce()
    {
        var (store, orchestrator, calls) = Setup();
        var cancelled = await orchestrator.StartAsync("write", "g");
        var paused = await orchestrator.StartAsync("write", "g");
        await store.TryAcquireLeaseAsync(cancelled.RunId, Gone, TimeSpan.FromHours(1), null, CancellationToken.None);
        await store.TryAcquireLeaseAsync(paused.RunId, Gone, TimeSpan.FromHours(1), null, CancellationToken.None);

        var result = await orchestrator.CancelAsync(cancelled.RunId, "ops", "its process died");
        var record = await orchestrator.PauseAsync(paused.RunId, "ops");

        Assert.Equal(WorkflowState.Cancelled, result.State);
        Assert.Equal("its process died", result.History[^1].Error);
        Assert.Equal(WorkflowState.Paused, record.State);
        Assert.Equal(0, calls());
    }

    private static (InMemoryRunStore Store, Orchestrator Orchestrator, Func<int> Calls) Setup()
    {
        var store = new InMemoryRunStore();
        var calls = 0;
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) =>
        {
            Interlocked.Increment(ref calls);
            return "draft";
        }, "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("draft", Writer), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return (store, orchestrator, () => Volatile.Read(ref calls));
    }
}
