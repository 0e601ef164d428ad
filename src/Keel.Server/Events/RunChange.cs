using Keel.Server.Runs;

namespace Keel.Server.Events;

/// <summary>
/// A <c>run</c> event of the all-runs stream: where one run stands after its newest event. The run's own
/// events (<see cref="Keel.RunEvent"/>, by type) come before it in the stream.
/// </summary>
public sealed record RunChange
{
    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The sequence of the run's newest event when the summary was read.</summary>
    public required long Sequence { get; init; }

    /// <summary>The run as listed.</summary>
    public required RunSummary Run { get; init; }
}
