namespace Keel.Server.Approvals;

/// <summary>A run waiting for a person at an approval step.</summary>
public sealed record ApprovalView
{
    /// <summary>The waiting run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The run's workflow.</summary>
    public required string Workflow { get; init; }

    /// <summary>The run's goal.</summary>
    public required string Goal { get; init; }

    /// <summary>The approval step the run waits at.</summary>
    public required string StepId { get; init; }

    /// <summary>What the approver is asked.</summary>
    public required string Prompt { get; init; }

    /// <summary>When the run parked at the step.</summary>
    public required DateTimeOffset WaitingSince { get; init; }

    /// <summary>Seconds since <see cref="WaitingSince"/>, at the time of the response.</summary>
    public required double WaitingSeconds { get; init; }

    /// <summary>When the step's timeout path is taken if nobody decides (null: it waits for ever).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Where the run goes when approved, and when rejected or timed out.</summary>
    public required string OnApproved { get; init; }

    /// <summary>Where the run goes when rejected or timed out.</summary>
    public required string OnRejected { get; init; }
}

/// <summary>A decision: who decides (default: the API key's name) and why.</summary>
public sealed record DecisionRequest
{
    /// <summary>Who decides, recorded with the decision; the API key's name when not set.</summary>
    public string? By { get; init; }

    /// <summary>Why, recorded with the decision (a rejection's comment reaches the step it routes to).</summary>
    public string? Comment { get; init; }
}
