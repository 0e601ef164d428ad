using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Keel;

public sealed partial class WorkerDefinition
{
    /// <summary>
    /// A worker whose executor is a plain synchronous function of the input and the context, as in
    /// <c>new WorkerDefinition(workerType: WorkerType.Coder, name: "Coder", description: "...", executor: CoderFunction)</c>.
    /// </summary>
    [SetsRequiredMembers]
    public WorkerDefinition(
        WorkerType workerType,
        string name,
        string description,
        Func<JsonElement, WorkflowContext, object?> executor,
        InputTransformer? inputTransformer = null,
        OutputTransformer? outputTransformer = null,
        OutputValidator? outputValidator = null)
        : this(workerType, name, description, Synchronous(executor), inputTransformer, outputTransformer, outputValidator)
    {
    }

    private static WorkerExecutor Synchronous(Func<JsonElement, WorkflowContext, object?> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return (input, context, _) => new ValueTask<object?>(function(input, context));
    }
}
