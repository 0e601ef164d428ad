using Keel.Server.Runs;

namespace Keel.Server.Events;

/// <summary>
/// One event of a run's stream. <c>attempt</c> events carry a sequence (the SSE <c>id:</c>): the attempt's
/// history position plus one, so the stream numbers a run's recorded changes from 1 without gaps.
/// <c>state</c> events say where the run stands now and carry no sequence (they repeat after a reconnect);
/// <c>end</c> is the last event of a run that ended.
/// </summary>
public sealed record RunEvent
{
    /// <c>attempt</c>, <c>state</c> or <c>end</c>.
    public required string Type { get; init; }

    /// <summary>The run the event is about.</summary>
    public required string RunId { get; init; }

    /// <summary>The event's number in the run's stream (from 1), for <c>attempt</c> events; null otherwise.</summary>
    public long? Sequence { get; init; }

    /// <summary>The run's state after the change.</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The run's current step after the change.</summary>
    public required string CurrentStep { get; init; }

    /// <summary>The recorded attempt, for <c>attempt</c> events.</summary>
    public AttemptView? Attempt { get; init; }

    /// <summary>The run as it stands, for <c>state</c> and <c>end</c> events.</summary>
    public RunSummary? Run { get; init; }
}
