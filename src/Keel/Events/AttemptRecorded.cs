namespace Keel;

/// <summary>An attempt ended and was recorded as history entry <see cref="HistorySequence"/>; the run moved on to <see cref="NextStep"/>.</summary>
public sealed record AttemptRecorded : RunEvent
{
    /// <summary>The history entry's sequence (from 0): read it whole from the run's history.</summary>
    public required int HistorySequence { get; init; }

    /// <summary>The step.</summary>
    public required string StepId { get; init; }

    /// <summary>The step's worker type.</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>The worker called.</summary>
    public required string WorkerName { get; init; }

    /// <summary>The visit of the step (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public required int Attempt { get; init; }

    /// <summary>How the attempt ended.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>How long it took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Model usage, when the worker reported any.</summary>
    public TokenUsage? Usage { get; init; }

    /// <summary>Where the hub routed: a step id, the same step (a retry), <c>complete</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string NextStep { get; init; }

    /// <summary>The event of a recorded entry.</summary>
    public static AttemptRecorded For(HistoryEntry entry, long sequence)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new AttemptRecorded
        {
            RunId = entry.RunId,
            Sequence = sequence,
            Timestamp = entry.Timestamp + entry.Duration,
            HistorySequence = entry.Sequence,
            StepId = entry.StepId,
            WorkerType = entry.WorkerType,
            WorkerName = entry.WorkerName,
            Visit = entry.Visit,
            Attempt = entry.Attempt,
            Outcome = entry.Outcome,
            Error = entry.Error,
            Duration = entry.Duration,
            Usage = entry.Usage,
            NextStep = entry.NextStep,
        };
    }
}
