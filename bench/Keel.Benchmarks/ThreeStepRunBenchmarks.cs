using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Keel.Benchmarks;

/// <summary>
/// The build-website pipeline (product manager, coder, reviewer) with no-op workers on a default
/// <see cref="Orchestrator"/> (no store, every attempt recorded in the returned history), against a
/// hand-written loop that calls the same three delegates: the floor.
/// </summary>
[MemoryDiagnoser]
public class ThreeStepRunBenchmarks
{
    private Orchestrator _orchestrator = null!;
    private WorkerExecutor[] _delegates = null!;
    private WorkflowContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _orchestrator = new Orchestrator();
        NoOpWorkers.Register(_orchestrator, WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer);
        _orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        _delegates = [NoOpWorkers.Executor, NoOpWorkers.Executor, NoOpWorkers.Executor];
        _context = new WorkflowContext("floor", "floor", "goal", new DataBus(), [], null);

        var result = _orchestrator.ExecuteWorkflowAsync("build_website", "Build a portfolio website").GetAwaiter().GetResult();
        if (result.State != WorkflowState.Completed || result.History.Count != 3)
        {
            throw new InvalidOperationException($"the benchmark run did not record three attempts: {result.State}, {result.History.Count} entries");
        }
    }

    [Benchmark(Baseline = true, Description = "hand-written loop (floor)")]
    public async Task<object?> HandWrittenLoop()
    {
        object? output = null;
        var input = default(JsonElement);
        var delegates = _delegates;
        for (var i = 0; i < delegates.Length; i++)
        {
            output = await delegates[i](input, _context, CancellationToken.None);
        }

        return output;
    }

    [Benchmark(Description = "Keel, 3-step run")]
    public Task<WorkflowResult> KeelRun()
        => _orchestrator.ExecuteWorkflowAsync("build_website", "Build a portfolio website");
}
