using BenchmarkDotNet.Attributes;

namespace Keel.Benchmarks;

/// <summary>A 100-step generic pipeline of no-op workers, every attempt recorded.</summary>
[MemoryDiagnoser]
public class GenericPipelineBenchmarks
{
    private static readonly WorkerType[] Types =
        [WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer, WorkerType.Tester, WorkerType.Deployer];

    private Orchestrator _orchestrator = null!;

    [Params(100)]
    public int Steps { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _orchestrator = new Orchestrator();
        NoOpWorkers.Register(_orchestrator, Types);
        var steps = new List<(string, WorkerType, string)>(Steps);
        for (var i = 0; i < Steps; i++)
        {
            steps.Add(($"step_{i:000}", Types[i % Types.Length], $"step {i}"));
        }

        _orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline(steps, name: "pipeline"));
        var result = _orchestrator.ExecuteWorkflowAsync("pipeline", "goal").GetAwaiter().GetResult();
        if (result.State != WorkflowState.Completed || result.History.Count != Steps)
        {
            throw new InvalidOperationException($"the pipeline did not record {Steps} attempts: {result.State}, {result.History.Count} entries");
        }
    }

    [Benchmark(Description = "Keel, 100-step generic pipeline")]
    public Task<WorkflowResult> Pipeline()
        => _orchestrator.ExecuteWorkflowAsync("pipeline", "goal");
}
