namespace Keel.Server;

/// <summary>Turns the text of a posted definition into a workflow and the workers it declares, or into problems.</summary>
public interface IDefinitionReader
{
    /// <summary>Reads <paramref name="content"/>; <paramref name="format"/> is <c>yaml</c>, <c>json</c> or null (guess).</summary>
    DefinitionReadResult Read(string content, string? format);
}

/// <summary>What a reader found: a valid definition with its workers, or every problem.</summary>
public sealed class DefinitionReadResult
{
    /// <summary>The definition read, validated; null when there are problems.</summary>
    public WorkflowDefinition? Definition { get; init; }

    /// <summary>Workers the definition declares (registered with it); empty when they are registered in code.</summary>
    public IReadOnlyList<WorkerDefinition> Workers { get; init; } = [];

    /// <summary>Every problem found, each at its line and column; empty when the definition was read.</summary>
    public IReadOnlyList<DefinitionProblem> Problems { get; init; } = [];
}

/// <summary>One problem of a definition: where (field, line and column when known) and what.</summary>
public sealed record DefinitionProblem(string Field, string Message, int Line = 0, int Column = 0);
