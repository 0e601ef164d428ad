namespace Keel.Server.Approvals;

/// <summary>A run waiting for a person at an approval step.</summary>
public sealed record ApprovalView
{
    public required string RunId { get; init; }

    public required string Workflow { get; init; }

    public required string Goal { get; init; }

    public required string StepId { get; init; }

    public required string Prompt { get; init; }

    /// <summary>When the run parked at the step.</summary>
    public required DateTimeOffset WaitingSince { get; init; }

    public required double WaitingSeconds { get; init; }

    /// <summary>When the step's timeout path is taken if nobody decides (null: it waits for ever).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Where the run goes when approved, and when rejected or timed out.</summary>
    public required string OnApproved { get; init; }

    public required string OnRejected { get; init; }
}

/// <summary>A decision: who decides (default: the API key's name) and why.</summary>
public sealed record DecisionRequest
{
    public string? By { get; init; }

    public string? Comment { get; init; }
}
