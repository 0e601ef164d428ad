namespace Keel.Benchmarks;

/// <summary>Workers that do nothing and return null, so a benchmark measures the hub alone.</summary>
public static class NoOpWorkers
{
    public static readonly WorkerExecutor Executor = static (_, _, _) => new ValueTask<object?>((object?)null);

    public static void Register(Orchestrator orchestrator, params WorkerType[] types)
    {
        foreach (var type in types)
        {
            orchestrator.RegisterWorker(new WorkerDefinition(type, "no-op " + type.Value, "does nothing", Executor));
        }
    }
}
