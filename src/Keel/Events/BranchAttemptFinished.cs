using System.Text.Json;

namespace Keel;

/// <summary>
/// An attempt of a parallel branch or map item ended while an earlier branch or item of the same step
/// was still running. It is recorded here at once, durably, so a resumed run does not run it again; it
/// takes its place in the history (an <see cref="AttemptRecorded"/> event) once every earlier branch or
/// item has ended, so the history stays in declaration order and attempt order whatever the finish order.
/// </summary>
public sealed record BranchAttemptFinished : RunEvent
{
    /// <summary>The attempt as it will be recorded (its <see cref="HistoryEntry.Sequence"/> is -1 until placed).</summary>
    public required HistoryEntry Entry { get; init; }

    /// <summary>Data bus keys the branch or item set (its last attempt only): merged into the run's bus when placed.</summary>
    public IReadOnlyDictionary<string, JsonElement>? DataSet { get; init; }

    /// <summary>Data bus keys the branch or item removed (its last attempt only).</summary>
    public IReadOnlyList<string>? DataRemoved { get; init; }
}
