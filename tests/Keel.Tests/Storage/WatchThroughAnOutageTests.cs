namespace Keel.Tests.Storage;

/// <summary>A watch outlives a store that fails for a while (a server restarting): it reads again, with no gap and no duplicate.</summary>
public sealed class WatchThroughAnOutageTests
{
    private static readonly WorkerType Writer = new("writer");

    [Fact]
    public async Task Watch_StoreFailsTwiceMidWatch_ReadsAgain_AndYieldsEveryEventOnce()
    {
        var inner = new InMemoryRunStore();
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = inner });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) => "draft", "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("outline", Writer, onSuccess: "draft"), isInitial: true);
        workflow.AddStep(new WorkflowStep("draft", Writer));
        orchestrator.RegisterWorkflow(workflow);
        var result = await orchestrator.ExecuteWorkflowAsync("write", "g");
        var store = new FlakyEvents(inner, failAfterCall: 1, failures: 2);

        var seen = new List<long>();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var runEvent in store.WatchAsync(result.RunId, 0, TimeSpan.FromMilliseconds(10), guard.Token).WithCancellation(guard.Token))
        {
            seen.Add(runEvent.Sequence);
        }

        var all = await inner.GetEventsAsync(result.RunId, 0, 100, CancellationToken.None);
        Assert.Equal(all.Select(e => e.Sequence), seen);
        Assert.Equal(2, store.Failed);
        Assert.IsType<RunEnded>(all[^1]);
    }

    [Fact]
    public async Task Watch_StoreDamaged_EndsWithTheError()
    {
        var inner = new InMemoryRunStore();
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = inner });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Writer, "Writer", (input, context) => "draft", "Writes"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("outline", Writer), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        var result = await orchestrator.ExecuteWorkflowAsync("write", "g");

        var error = await Assert.ThrowsAsync<RunStoreDamagedException>(async () =>
        {
            await foreach (var runEvent in new FlakyEvents(inner, failAfterCall: 0, failures: 1, damaged: true).WatchAsync(result.RunId, 0, TimeSpan.FromMilliseconds(10)))
            {
            }
        });

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Fails its event reads after the first <paramref name="failAfterCall"/>, <paramref name="failures"/> times, as a store whose server restarts does.</summary>
    private sealed class FlakyEvents(IRunStore inner, int failAfterCall, int failures, bool damaged = false) : DelegatingRunStore(inner)
    {
        private int _calls;

        public int Failed { get; private set; }

        public override ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken)
        {
            if (++_calls > failAfterCall && Failed < failures)
            {
                Failed++;
                throw damaged
                    ? new RunStoreDamagedException("db", "the run store file 'db' is damaged")
                    : new RunStoreException("db", "the server is shutting down or starting up");
            }

            // One event per read, so the failures fall between events.
            return ValueTask.FromResult<IReadOnlyList<RunEvent>>([.. base.GetEventsAsync(runId, afterSequence, limit, cancellationToken).Result.Take(1)]);
        }
    }
}
