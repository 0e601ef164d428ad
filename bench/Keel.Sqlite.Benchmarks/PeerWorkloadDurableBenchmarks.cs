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
    private SqliteConnection? _raw;
    private SqliteCommand? _insert;
    private SqliteRunStore? _store;
    private Orchestrator? _orchestrator;
    private readonly Task<WorkflowResult>[] _runs = new Task<WorkflowResult>[ConcurrentRuns];
    private long _row;

    /// <summary>The store's and the floor's <c>PRAGMA synchronous</c>.</summary>
    [Params(SqliteSynchronous.Full, SqliteSynchronous.Normal)]
    public SqliteSynchronous Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Environment.GetEnvironmentVariable("KEEL_BENCH_DIR") ?? Path.GetTempPath(), "keel-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var mode = Synchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL";
        _raw = new SqliteConnection($"Data Source={Path.Combine(_directory, "floor.db")}");
        _raw.Open();
        using (var create = _raw.CreateCommand())
        {
            create.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {mode}; CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);";
            create.ExecuteNonQuery();
        }

        _insert = _raw.CreateCommand();
        _insert.CommandText = "INSERT INTO rows (id, payload) VALUES ($id, $payload);";
        _insert.Parameters.Add("$id", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Text);

        (_store, _orchestrator) = PeerWorkload.Open(Path.Combine(_directory, "keel.db"), Synchronous);

        // Each benchmark once: a wrong wiring fails here, not in the first iteration.
        FloorThreeCommits();
        OneRunAtATime().GetAwaiter().GetResult();
        HundredRunsConcurrently().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _insert?.Dispose();
        _raw?.Dispose();
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
            using var transaction = _raw!.BeginTransaction();
            _insert!.Transaction = transaction;
            _insert.Parameters[0].Value = ++_row;
            _insert.Parameters[1].Value = PeerWorkload.Expected;
            _insert.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <summary>One run created, executed (three durable attempts) and completed.</summary>
    [Benchmark(Description = "one run at a time")]
    public async Task<string> OneRunAtATime()
        => PeerWorkload.Check(await _orchestrator!.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).ConfigureAwait(false));

    /// <summary>100 runs at once (one operation is one run): concurrent checkpoints share transactions.</summary>
    [Benchmark(OperationsPerInvoke = ConcurrentRuns, Description = "100 runs at once (per run)")]
    public async Task HundredRunsConcurrently()
    {
        for (var i = 0; i < ConcurrentRuns; i++)
        {
            _runs[i] = _orchestrator!.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal);
        }

        foreach (var run in _runs)
        {
            PeerWorkload.Check(await run.ConfigureAwait(false));
        }
    }
}
