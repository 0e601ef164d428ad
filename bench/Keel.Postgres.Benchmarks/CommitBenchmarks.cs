using BenchmarkDotNet.Attributes;
using Npgsql;

namespace Keel.Postgres.Benchmarks;

/// <summary>
/// A durable attempt on PostgreSQL beside the server's floor, measured in the same run: the raw one-row
/// commit (one INSERT in its own transaction, as the store's checkpoint is one statement), and a run of
/// <see cref="Steps"/> steps whose workers return at once, created, executed and completed per iteration on
/// the PostgreSQL run store (one checkpoint per attempt). Compare the run's time per step with the raw commit.
/// </summary>
[MemoryDiagnoser]
public class CommitBenchmarks
{
    private BenchServer? _server;
    private NpgsqlDataSource? _raw;
    private PostgresRunStore? _store;
    private Orchestrator? _orchestrator;
    private long _next;

    /// <summary>Steps per run (each one attempt, one commit).</summary>
    public const int Steps = 3;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new BenchServer();
        _raw = NpgsqlDataSource.Create(_server.ConnectionString);
        await using (var create = _raw.CreateCommand("DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (id bigint PRIMARY KEY, body text NOT NULL);"))
        {
            await create.ExecuteNonQueryAsync();
        }

        _store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = _server.ConnectionString, Schema = "bench_" + Guid.NewGuid().ToString("N")[..8] });
        await _store.InitializeAsync(default);
        _orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = _store });
        var workflow = new WorkflowDefinition("bench", "", "g");
        for (var i = 0; i < Steps; i++)
        {
            var type = new WorkerType("w" + i);
            _orchestrator.RegisterWorker(new WorkerDefinition(type, "w" + i, "", (_, _, _) => ValueTask.FromResult<object?>("ok")));
            workflow.AddStep(new WorkflowStep("s" + i, type, "", i == Steps - 1 ? "complete" : "s" + (i + 1), "failed"), isInitial: i == 0);
        }

        _orchestrator.RegisterWorkflow(workflow);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        _server?.Dispose();
    }

    /// <summary>The floor: one row committed in its own transaction.</summary>
    [Benchmark(Baseline = true)]
    public async Task RawOneRowCommit()
    {
        await using var insert = _raw!.CreateCommand("INSERT INTO bench_rows (id, body) VALUES ($1, 'ok');");
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Interlocked.Increment(ref _next) });
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>A whole run of <see cref="Steps"/> durable attempts (its creation included); divide by <see cref="Steps"/> for one attempt.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public async Task DurableAttempt()
    {
        var result = await _orchestrator!.ExecuteWorkflowAsync("bench", "g");
        if (result.State != WorkflowState.Completed)
        {
            throw new InvalidOperationException($"the benchmark run ended {result.State}: {result.Error}");
        }
    }
}
