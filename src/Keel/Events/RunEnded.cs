namespace Keel;

/// <summary>The run ended: completed, failed or cancelled. The last event of a run.</summary>
public sealed record RunEnded : RunEvent
{
    /// <summary><see cref="WorkflowState.Completed"/>, <see cref="WorkflowState.Failed"/> or <see cref="WorkflowState.Cancelled"/>.</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The terminal target reached, or the step the run stopped at.</summary>
    public required string Step { get; init; }

    /// <summary>Why it failed or was cancelled.</summary>
    public string? Error { get; init; }
}
