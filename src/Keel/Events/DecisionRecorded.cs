namespace Keel;

/// <summary>Someone approved or rejected the approval step the run waited at (history entry <see cref="HistorySequence"/>).</summary>
public sealed record DecisionRecorded : RunEvent
{
    /// <summary>The approval step.</summary>
    public required string StepId { get; init; }

    /// <summary>True when approved, false when rejected.</summary>
    public required bool Approved { get; init; }

    /// <summary>Who decided.</summary>
    public required string By { get; init; }

    /// <summary>The decider's comment.</summary>
    public string? Comment { get; init; }

    /// <summary>The history entry recording the decision.</summary>
    public required int HistorySequence { get; init; }

    /// <summary>Where the run goes next.</summary>
    public required string NextStep { get; init; }
}
