using Keel.Demo;

namespace Keel.Cli.Workers;

/// <summary>Builds the workers a workflow file declares.</summary>
internal static class WorkerFactory
{
    /// <summary>The workers of <paramref name="file"/>, or the reason one cannot be built.</summary>
    public static (IReadOnlyList<WorkerDefinition> Workers, string? Error) Build(WorkflowFile file, ILlmWorkerFactory? llm)
    {
        var workers = new List<WorkerDefinition>(file.Workers.Count);
        foreach (var declaration in file.Workers.Values)
        {
            switch (declaration.Kind)
            {
                case WorkerKind.Builtin:
                    workers.Add(Builtin(declaration.WorkerType));
                    break;
                case WorkerKind.Command:
                    workers.Add(CommandWorker.Create(declaration));
                    break;
                case WorkerKind.Llm when llm is null:
                    return ([], $"worker '{declaration.WorkerType}' is an llm worker, and no model provider is configured for the keel command. "
                        + $"To configure one, {ModelSetup.HowToConfigure}; or declare the worker as kind 'command' or 'builtin'.");
                case WorkerKind.Llm:
                    try
                    {
                        workers.Add(llm!.Create(declaration));
                    }
                    catch (KeelException ex)
                    {
                        return ([], $"llm worker '{declaration.WorkerType}' cannot be built: {LlmDeclarationCheck.Reason(declaration, ex)}");
                    }

                    break;
            }
        }

        return (workers, null);
    }

    public static WorkerDefinition Builtin(string type) => type switch
    {
        "product_manager" => OfflineWorkers.ProductManager(),
        "coder" => OfflineWorkers.Coder(),
        "reviewer" => OfflineWorkers.Reviewer(),
        _ => throw new KeelException($"There is no built-in worker '{type}'."),
    };
}
