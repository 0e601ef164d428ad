using Microsoft.Extensions.Logging;

namespace Keel.Tests.Fakes;

/// <summary>Builds orchestrators on a fake clock, with fake workers registered, for the tests.</summary>
public static class Hub
{
    public static Orchestrator Create(RecordingTimeProvider clock, IRunStore? store = null, ILoggerFactory? loggerFactory = null, string? ownerId = null)
    {
        var options = new OrchestratorOptions
        {
            TimeProvider = clock,
            RunStore = store,
            LoggerFactory = loggerFactory,
        };
        if (ownerId is not null)
        {
            options.OwnerId = ownerId;
        }

        return new Orchestrator(options);
    }

    public static Orchestrator With(this Orchestrator orchestrator, params FakeWorker[] workers)
    {
        foreach (var worker in workers)
        {
            orchestrator.RegisterWorker(worker.Definition);
        }

        return orchestrator;
    }

    /// <summary>Workers for the build-website workflow, in step order.</summary>
    public static (FakeWorker ProductManager, FakeWorker Coder, FakeWorker Reviewer) BuildWebsiteWorkers()
        => (new FakeWorker(WorkerType.ProductManager, "PM"), new FakeWorker(WorkerType.Coder, "Coder"), new FakeWorker(WorkerType.Reviewer, "Reviewer"));

    /// <summary>Throws as a failing worker does.</summary>
    public static object? Fail(string message) => throw new InvalidOperationException(message);
}
