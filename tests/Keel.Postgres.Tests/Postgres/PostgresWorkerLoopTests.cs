using Keel.Postgres.Tests.Support;

namespace Keel.Postgres.Tests.Postgres;

/// <summary>Worker loops woken by PostgreSQL's LISTEN/NOTIFY, polling only as the fallback.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWorkerLoopTests(PostgresServer server) : IDisposable
{
    private static readonly TimeSpan NeverPolls = TimeSpan.FromHours(1);
    private readonly PostgresDatabase _database = new(server);

    [Fact]
    public async Task WorkerLoop_IdleWithAnHourlyPoll_ClaimsARunQueuedByAnotherProcessWhenNotified()
    {
        await using var workerStore = _database.Open();
        await using var starterStore = _database.Open();
        var claims = new ClaimWatcher(workerStore);
        var worker = Cluster(claims, "worker");
        var starter = Cluster(starterStore, "starter");

        // The worker's LISTEN connection is up before its loop starts (its first wait is then a real subscription).
        await workerStore.WaitForQueueAsync(TimeSpan.FromSeconds(30), default);
        using var stop = new CancellationTokenSource();
        var loop = worker.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = NeverPolls }, stop.Token);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await claims.Idle.WaitAsync(limit.Token);

        // Queued by another process while the worker waits: only the notification can wake it in time.
        var handle = await starter.StartAsync("wf", "g");
        var events = new List<RunEvent>();
        try
        {
            await foreach (var runEvent in starterStore.WatchAsync(handle.RunId, pollInterval: NeverPolls, cancellationToken: limit.Token))
            {
                events.Add(runEvent);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the idle worker did not take the queued run (its poll interval is an hour); {claims.Count} claims, events: {string.Join(", ", events.Select(e => e.Type))}");
        }
        finally
        {
            await stop.CancelAsync();
            await loop;
        }

        Assert.Equal(WorkflowState.Completed, (await starterStore.GetRunAsync(handle.RunId, default))!.State);
        Assert.IsType<RunEnded>(events[^1]);
        Assert.Equal("worker", (await starterStore.GetHistoryAsync(handle.RunId, default))[0].Output.GetProperty("by").GetString());
    }

    public void Dispose() => _database.Dispose();

    private static Orchestrator Cluster(IRunStore store, string name)
    {
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store, OwnerId = name });
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "", (_, _, _) => ValueTask.FromResult<object?>(new { by = name })));
        var workflow = new WorkflowDefinition("wf", "", "g");
        workflow.AddStep(new WorkflowStep("code", WorkerType.Coder, "", "complete", "failed"), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }

    /// <summary>Says when the loop found nothing to claim (and went to wait), and counts its claims.</summary>
    private sealed class ClaimWatcher(IRunStore inner) : DelegatingRunStore(inner)
    {
        private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task Idle => _idle.Task;

        public int Count => Volatile.Read(ref _count);

        public override async ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
        {
            var claimed = await base.ClaimRunsAsync(request, cancellationToken);
            Interlocked.Increment(ref _count);
            if (claimed.Count == 0)
            {
                _idle.TrySetResult();
            }

            return claimed;
        }
    }
}
