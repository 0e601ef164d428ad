
namespace Keel.Cli.Workers;

/// <summary>
/// Builds the worker of an <c>llm</c> declaration in a workflow file. The CLI has no model client of its
/// own: a provider package supplies this factory, and <see cref="CliHost.LlmWorkers"/> holds it.
/// Without one, a workflow with an llm worker is refused before its run starts, with the reason.
/// </summary>
public interface ILlmWorkerFactory
{
    /// <summary>What the factory calls (e.g. "OpenAI gpt-4o-mini"), shown when a run starts.</summary>
    string Description { get; }

    /// <summary>The worker for <paramref name="declaration"/> (an <c>llm</c> worker: its model, instructions and output schema).</summary>
    WorkerDefinition Create(WorkerDeclaration declaration);
}
