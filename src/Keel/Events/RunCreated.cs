namespace Keel;

/// <summary>A run was stored: event 1 of every run, written by the store with the run itself.</summary>
public sealed record RunCreated : RunEvent
{
    /// <summary>The workflow the run executes.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>The run's goal.</summary>
    public required string Goal { get; init; }

    /// <summary>The content hash of the definition the run is pinned to.</summary>
    public required string DefinitionHash { get; init; }

    /// <summary>The state it was stored in: <see cref="WorkflowState.Pending"/> (started, left to a worker loop) or <see cref="WorkflowState.Running"/> (driven by its creator).</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The step it starts at.</summary>
    public required string Step { get; init; }

    /// <summary>The run it was forked from, and the history entry it was forked at.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>The history entry of <see cref="ParentRunId"/> the fork starts from.</summary>
    public int? ParentSequence { get; init; }

    /// <summary>The creation event of <paramref name="run"/>, as every store writes it.</summary>
    public static RunCreated For(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunCreated
        {
            RunId = run.RunId,
            Sequence = 1,
            Timestamp = run.CreatedAt,
            WorkflowName = run.WorkflowName,
            Goal = run.Goal,
            DefinitionHash = run.DefinitionHash,
            State = run.State,
            Step = run.CurrentStep,
            ParentRunId = run.ParentRunId,
            ParentSequence = run.ParentSequence,
        };
    }
}
