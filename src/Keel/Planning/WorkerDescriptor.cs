using System.Text.Json;

namespace Keel;

/// <summary>
/// What a planner knows of a worker: its type, name, description and optional input and output JSON
/// schemas. The set of descriptors a planner is given is its allowlist: a plan may name no other type.
/// </summary>
public sealed record WorkerDescriptor
{
    /// <summary>Describes a worker of <paramref name="workerType"/> for a planner; the schemas (JSON Schema) are optional.</summary>
    public WorkerDescriptor(WorkerType workerType, string name, string description = "", JsonElement? inputSchema = null, JsonElement? outputSchema = null)
    {
        if (workerType.IsEmpty)
        {
            throw new ArgumentException("A worker descriptor needs a worker type.", nameof(workerType));
        }

        WorkerType = workerType;
        Name = name ?? workerType.Value;
        Description = description ?? string.Empty;
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
    }

    /// <summary>The worker type a plan may name.</summary>
    public WorkerType WorkerType { get; }

    /// <summary>The worker's name.</summary>
    public string Name { get; }

    /// <summary>What the worker does, for the planner to choose by.</summary>
    public string Description { get; }

    /// <summary>The JSON Schema of the input the worker expects, or null when not described.</summary>
    public JsonElement? InputSchema { get; }

    /// <summary>The JSON Schema of the output the worker returns, or null when not described.</summary>
    public JsonElement? OutputSchema { get; }

    /// <summary>The descriptor of a registered worker.</summary>
    public static WorkerDescriptor From(WorkerDefinition worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new WorkerDescriptor(worker.WorkerType, worker.Name, worker.Description, worker.InputSchema, worker.OutputSchema);
    }
}

/// <summary>Ready-made worker descriptors: the built-in types and the ML pipeline's.</summary>
public static class WorkerCatalog
{
    /// <summary>
    /// The built-in worker types (product manager, coder, reviewer, tester, deployer) and the ML
    /// pipeline's (data engineer, data scientist, ML engineer), described for planners. The allowlist of
    /// <see cref="OrchestrationService.Create(string)"/>.
    /// </summary>
    public static IReadOnlyList<WorkerDescriptor> Default { get; } =
    [
        new(WorkerType.ProductManager, "Product Manager", "Turns a goal into requirements and a specification"),
        new(WorkerType.Coder, "Coder", "Implements code from a specification"),
        new(WorkerType.Reviewer, "Reviewer", "Reviews work against its specification; fails when it falls short"),
        new(WorkerType.Tester, "Tester", "Tests an implementation and reports failures"),
        new(WorkerType.Deployer, "Deployer", "Deploys a tested build to an environment"),
        new(Workflows.DataEngineer, "Data Engineer", "Collects and cleans data"),
        new(Workflows.DataScientist, "Data Scientist", "Explores data and derives features"),
        new(Workflows.MlEngineer, "ML Engineer", "Trains and packages models"),
    ];

    /// <summary>The descriptors of the workers registered on <paramref name="orchestrator"/>, ordered by type.</summary>
    public static IReadOnlyList<WorkerDescriptor> From(Orchestrator orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return orchestrator.Workers
            .OrderBy(w => w.WorkerType.Value, StringComparer.Ordinal)
            .Select(WorkerDescriptor.From)
            .ToArray();
    }
}
