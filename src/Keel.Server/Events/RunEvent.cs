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
    public required string Type { get; init; }

    public required string RunId { get; init; }

    public long? Sequence { get; init; }

    public required WorkflowState State { get; init; }

    public required string CurrentStep { get; init; }

    public AttemptView? Attempt { get; init; }

    public RunSummary? Run { get; init; }
}
