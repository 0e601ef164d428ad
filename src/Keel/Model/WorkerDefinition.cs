using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Keel;

/// <summary>
/// A worker: a type, a name, a description, the executor that does the work and optional transformers
/// around it. Workers never see one another: the hub builds their input and takes their output.
/// </summary>
public sealed partial class WorkerDefinition
{
    /// <summary>An empty definition for an object initializer; set at least <see cref="WorkerType"/>, <see cref="Name"/> and <see cref="Executor"/>.</summary>
    public WorkerDefinition()
    {
    }

    /// <summary>A worker of <paramref name="workerType"/> named <paramref name="name"/> that does its work in <paramref name="executor"/>, with optional transformers and validator around it.</summary>
    [SetsRequiredMembers]
    public WorkerDefinition(
        WorkerType workerType,
        string name,
        string description,
        WorkerExecutor executor,
        InputTransformer? inputTransformer = null,
        OutputTransformer? outputTransformer = null,
        OutputValidator? outputValidator = null)
    {
        WorkerType = workerType;
        Name = name;
        Description = description;
        Executor = executor;
        InputTransformer = inputTransformer;
        OutputTransformer = outputTransformer;
        OutputValidator = outputValidator;
    }

    /// <summary>The worker type this worker serves: steps name types, never workers.</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>The worker's name, recorded in every history entry it produces.</summary>
    public required string Name { get; init; }

    /// <summary>What the worker does, for people and planners. Empty by default.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The code that does the work: takes the input and the context, returns the output.</summary>
    public required WorkerExecutor Executor { get; init; }

    /// <summary>Reshapes the hub's input before the executor sees it; the input passes unchanged when null.</summary>
    public InputTransformer? InputTransformer { get; init; }

    /// <summary>Reshapes the executor's output before it is validated, recorded and routed on; unchanged when null.</summary>
    public OutputTransformer? OutputTransformer { get; init; }

    /// <summary>Rejects an output as invalid (a failed attempt with outcome <see cref="AttemptOutcome.InvalidOutput"/>).</summary>
    public OutputValidator? OutputValidator { get; init; }

    /// <summary>
    /// The JSON schema of the input the worker expects, when it declares one (a planner reads it, and plan
    /// validation checks that the step before produces it). Not enforced at run time.
    /// </summary>
    public JsonElement? InputSchema { get; init; }

    /// <summary>The JSON schema of the output the worker produces, when it declares one (see <see cref="InputSchema"/>).</summary>
    public JsonElement? OutputSchema { get; init; }

    /// <summary>A worker from a synchronous function, for deterministic tools.</summary>
    public static WorkerDefinition FromFunction(
        WorkerType workerType,
        string name,
        Func<JsonElement, WorkflowContext, object?> function,
        string description = "")
    {
        ArgumentNullException.ThrowIfNull(function);
        return new WorkerDefinition(workerType, name, description, (input, context, _) => new ValueTask<object?>(function(input, context)));
    }

    /// <summary>A typed worker: the input is deserialised to <typeparamref name="TInput"/> before the call.</summary>
    public static WorkerDefinition Create<TInput, TOutput>(
        WorkerType workerType,
        string name,
        Func<TInput?, WorkflowContext, CancellationToken, ValueTask<TOutput>> executor,
        string description = "")
    {
        ArgumentNullException.ThrowIfNull(executor);
        return new WorkerDefinition(workerType, name, description, async (input, context, cancellationToken) =>
        {
            var typed = KeelJson.Deserialize<TInput>(input);
            return await executor(typed, context, cancellationToken).ConfigureAwait(false);
        });
    }

    internal void Validate()
    {
        if (WorkerType.IsEmpty)
        {
            throw new KeelException($"Worker '{Name}': field 'worker_type' is empty.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new KeelException($"Worker of type '{WorkerType}': field 'name' is empty.");
        }

        if (Executor is null)
        {
            throw new KeelException($"Worker '{Name}' ({WorkerType}): field 'executor' is not set.");
        }
    }
}
