using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// The peer workload made durable: the build-website workflow's three steps (product manager, coder,
/// reviewer), each worker returning its input plus a short string, one run created, executed and completed
/// per operation on a SQLite file (WAL), at <c>synchronous = FULL</c> and at <c>NORMAL</c>. The floor is
/// three raw one-row commits on a bare connection at the same mode (what a 3-step durable run cannot beat).
/// Every run's final value and history are checked. Ratios are within one mode (BenchmarkDotNet's baseline
/// per parameter value): for the 100 runs at once, one operation is one run, so the floor's time divided by
/// it is the rate against the floor's.
/// </summary>
[MemoryDiagnoser]
public class PeerWorkloadDurableBenchmarks
{
    private const int ConcurrentRuns = 100;

    private string _directory = string.Empty;
    private RawCommitFloor? _floor;
    private SqliteRunStore? _store;
    private Orchestrator? _orchestrator;
    private readonly Task<WorkflowResult>[] _runs = new Task<WorkflowResult>[ConcurrentRuns];
    private Func<Task<WorkflowResult>> _start = null!;

    /// <summary>The store's and the floor's <c>PRAGMA synchronous</c>.</summary>
    [Params(SqliteSynchronous.Full, SqliteSynchronous.Normal)]
    public SqliteSynchronous Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Environment.GetEnvironmentVariable("KEEL_BENCH_DIR") ?? Path.GetTempPath(), "keel-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _floor = new RawCommitFloor(Path.Combine(_directory, "floor.db"), Synchronous == SqliteSynchronous.Normal);

        (_store, _orchestrator) = PeerWorkload.Open(Path.Combine(_directory, "keel.db"), Synchronous);
        var orchestrator = _orchestrator;
        _start = () => orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal);

        // Each benchmark once: a wrong wiring fails here, not in the first iteration.
        FloorThreeCommits();
        OneRunAtATime().GetAwaiter().GetResult();
        HundredRunsConcurrently().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _floor?.Dispose();
        _store?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: three one-row transactions, each committed at the mode (synced at FULL).</summary>
    [Benchmark(Baseline = true, Description = "floor: 3 raw one-row commits")]
    public void FloorThreeCommits()
    {
        for (var i = 0; i < PeerWorkload.Steps; i++)
        {
            _floor!.Commit(PeerWorkload.Expected);
        }
    }

    /// <summary>One run created, executed (three durable attempts) and completed.</summary>
    [Benchmark(Description = "one run at a time")]
    public async Task<string> OneRunAtATime()
        => PeerWorkload.Check(await _orchestrator!.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).ConfigureAwait(false));

    /// <summary>100 runs at once from 100 callers on pool threads (one operation is one run): concurrent checkpoints share transactions.</summary>
    [Benchmark(OperationsPerInvoke = ConcurrentRuns, Description = "100 runs at once (per run)")]
    public async Task HundredRunsConcurrently()
    {
        // 100 callers at once, each on a pool thread (as a service's requests are): a run whose workers return
        // at once is otherwise driven to its end inside the call that starts it, and one thread starting them
        // in a loop would run them one after another.
        for (var i = 0; i < ConcurrentRuns; i++)
        {
            _runs[i] = Task.Run(_start);
        }

        foreach (var run in _runs)
        {
            PeerWorkload.Check(await run.ConfigureAwait(false));
        }
    }
}
