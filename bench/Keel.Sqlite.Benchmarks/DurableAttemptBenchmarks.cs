using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// Durable attempts per second through the hub on a SQLite file (WAL, synchronous=FULL), one run at a time
/// and 100 runs at once, beside the floor: raw one-row-per-transaction inserts on the same settings.
/// Every figure is per committed row or attempt (OperationsPerInvoke). To see the CPU side alone, set
/// KEEL_BENCH_DIR (say /dev/shm) and KEEL_BENCH_SYNCHRONOUS=normal: both the floor and the store then skip
/// the per-commit sync.
/// </summary>
[MemoryDiagnoser]
public class DurableAttemptBenchmarks
{
    private const int FloorCommits = 200;
    private const int SingleRunAttempts = 200;
    private const int ConcurrentRuns = 100;
    private const int AttemptsPerConcurrentRun = 20;

    private string _directory = string.Empty;
    private RawCommitFloor? _floor;
    private SqliteRunStore? _store;
    private Orchestrator? _orchestrator;
    private Orchestrator? _inMemory;
    private int _storeRuns;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Environment.GetEnvironmentVariable("KEEL_BENCH_DIR") ?? Path.GetTempPath(), "keel-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var normal = string.Equals(Environment.GetEnvironmentVariable("KEEL_BENCH_SYNCHRONOUS"), "normal", StringComparison.OrdinalIgnoreCase);

        _floor = new RawCommitFloor(Path.Combine(_directory, "floor.db"), normal);

        _store = new SqliteRunStore(new SqliteRunStoreOptions
        {
            Path = Path.Combine(_directory, "keel.db"),
            Synchronous = normal ? SqliteSynchronous.Normal : SqliteSynchronous.Full,
        });
        _orchestrator = ChainWorkflow.Register(new Orchestrator(new OrchestratorOptions { RunStore = _store }), SingleRunAttempts, AttemptsPerConcurrentRun);
        _inMemory = ChainWorkflow.Register(new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore() }), SingleRunAttempts);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _floor?.Dispose();
        _store?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: one row per transaction, each commit synced (what one durable attempt cannot beat).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = FloorCommits)]
    public void RawInsertPerTransaction()
    {
        for (var i = 0; i < FloorCommits; i++)
        {
            _floor!.Commit("""{"step":"tick","output":{"n":1}}""");
        }
    }

    /// <summary>
    /// One run at a time: a run of 200 steps, each attempt checkpointed (history entry, data bus, position)
    /// before the next starts. The worker returns at once, so the figure is what durability adds to an attempt.
    /// </summary>
    [Benchmark(OperationsPerInvoke = SingleRunAttempts)]
    public async Task<WorkflowResult> OneRunAtATime()
        => await _orchestrator!.ExecuteWorkflowAsync(ChainWorkflow.Name(SingleRunAttempts));

    /// <summary>100 runs at once, 20 attempts each, each worker awaiting once: concurrent checkpoints are grouped into shared transactions.</summary>
    [Benchmark(OperationsPerInvoke = ConcurrentRuns * AttemptsPerConcurrentRun)]
    public async Task<WorkflowResult[]> HundredRunsConcurrently()
        => await Task.WhenAll(Enumerable.Range(0, ConcurrentRuns).Select(_ => _orchestrator!.ExecuteWorkflowAsync(ChainWorkflow.Name(AttemptsPerConcurrentRun, awaiting: true))));

    /// <summary>
    /// Context: one run at a time whose worker awaits once (as a model call does). The difference from
    /// <see cref="OneRunAtATime"/> is the thread pool's hand-off after each await, which the worker pays.
    /// </summary>
    [Benchmark(OperationsPerInvoke = SingleRunAttempts)]
    public async Task<WorkflowResult> OneRunAtATimeAwaitingWorker()
        => await _orchestrator!.ExecuteWorkflowAsync(ChainWorkflow.Name(SingleRunAttempts, awaiting: true));

    /// <summary>Context: the store alone, 200 checkpoints of one run committed one after another (no hub, no worker).</summary>
    [Benchmark(OperationsPerInvoke = SingleRunAttempts)]
    public async Task StoreCommitsOneAtATime()
    {
        var runId = "store-" + ++_storeRuns;
        var now = DateTimeOffset.UnixEpoch;
        await _store!.CreateRunAsync(StoreCheckpoints.Run(runId, now), [], default);
        for (var i = 0; i < SingleRunAttempts; i++)
        {
            await _store.CommitAsync(StoreCheckpoints.Next(runId, i, now), default);
        }
    }

    /// <summary>Context: the hub's own cost per attempt, the same 200-step run over the in-memory store.</summary>
    [Benchmark(OperationsPerInvoke = SingleRunAttempts)]
    public async Task<WorkflowResult> InMemoryOneRunAtATime()
        => await _inMemory!.ExecuteWorkflowAsync(ChainWorkflow.Name(SingleRunAttempts));
}
