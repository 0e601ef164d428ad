using BenchmarkDotNet.Attributes;

namespace Keel.Benchmarks;

/// <summary>
/// What the routing constructs cost beside a plain step, in memory and on a SQLite file (WAL, the default
/// synchronous=FULL): a one-step workflow (the baseline), a
/// parallel step of four branches, and a map step over 100 items, every worker a no-op and every attempt
/// recorded. The cost per branch or item is (construct - plain step) / branches or items; the goal is at
/// most 1.5 times a plain step's. Setup checks that each run completes with one recorded attempt per
/// branch or item, so a construct the hub cannot run yet fails here instead of being measured doing less.
/// </summary>
[MemoryDiagnoser]
public class ConstructsBenchmarks
{
    public const int Branches = 4;

    public const int Items = 100;

    private static readonly WorkerType Item = new("item_worker");

    private Orchestrator _orchestrator = null!;
    private SqliteRunStore? _store;
    private string? _directory;

    /// <summary>Where runs are recorded: <c>memory</c> (no store) or <c>sqlite</c> (a run store on a temporary file).</summary>
    [Params("memory", "sqlite")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "sqlite")
        {
            _directory = Path.Combine(Path.GetTempPath(), "keel-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
            _store = new SqliteRunStore(new SqliteRunStoreOptions { Path = Path.Combine(_directory, "keel.db") });
        }

        _orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = _store });
        NoOpWorkers.Register(_orchestrator, WorkerType.Coder, WorkerType.Reviewer, WorkerType.Tester, WorkerType.Deployer, Item);

        var plain = new WorkflowDefinition("plain_step");
        plain.AddStep(new WorkflowStep("work", WorkerType.Coder, onSuccess: WorkflowStep.Complete), isInitial: true);
        _orchestrator.RegisterWorkflow(plain);

        var parallel = new WorkflowDefinition("parallel_step");
        parallel.AddStep(
            WorkflowStep.Parallel(
                "fan_out",
                [
                    new Branch("coder", WorkerType.Coder),
                    new Branch("reviewer", WorkerType.Reviewer),
                    new Branch("tester", WorkerType.Tester),
                    new Branch("deployer", WorkerType.Deployer),
                ]),
            isInitial: true);
        _orchestrator.RegisterWorkflow(parallel);

        var items = Enumerable.Range(0, Items).ToArray();
        var map = new WorkflowDefinition("map_step");
        map.AddStep(WorkflowStep.Map("each", Item, maxItems: Items) with { InputTransformer = _ => items }, isInitial: true);
        _orchestrator.RegisterWorkflow(map);

        Check("plain_step", 1);
        Check("parallel_step", Branches);
        Check("map_step", Items);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Baseline = true, Description = "plain step (one attempt)")]
    public Task<WorkflowResult> PlainStep() => _orchestrator.ExecuteWorkflowAsync("plain_step", "goal");

    [Benchmark(Description = "parallel step, 4 branches")]
    public Task<WorkflowResult> ParallelStep() => _orchestrator.ExecuteWorkflowAsync("parallel_step", "goal");

    [Benchmark(Description = "map step, 100 items")]
    public Task<WorkflowResult> MapStep() => _orchestrator.ExecuteWorkflowAsync("map_step", "goal");

    private void Check(string workflow, int attempts)
    {
        var result = _orchestrator.ExecuteWorkflowAsync(workflow, "goal").GetAwaiter().GetResult();
        if (result.State != WorkflowState.Completed || result.History.Count < attempts)
        {
            throw new InvalidOperationException($"'{workflow}' ended {result.State} with {result.History.Count} entries (at least {attempts} expected): {result.Error}");
        }
    }
}
