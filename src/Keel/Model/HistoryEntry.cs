using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel;

/// <summary>
/// One attempt of one step (or one decision at an approval step), as recorded by the hub.
/// Every value in it is plain data: steps and worker types by their stable string ids, inputs and
/// outputs as normalised JSON, so a stored run stays readable whatever code later reads it.
/// </summary>
public sealed record HistoryEntry
{
    /// <summary>Position of the entry in its run's history, from 0.</summary>
    public required int Sequence { get; init; }

    /// <summary>The id of the step attempted (or decided, for an approval step).</summary>
    public required string StepId { get; init; }

    /// <summary>The worker type of the step (<c>approval</c> for a decision).</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>The registered worker's name; for an approval decision, who decided.</summary>
    public required string WorkerName { get; init; }

    /// <summary>How many times the run has entered this step, this one included (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt within the visit (from 1). max_retries N gives at most N+1.</summary>
    public required int Attempt { get; init; }

    /// <summary>How the attempt ended; the hub routed on it.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>The input the worker saw (normalised JSON; undefined when there was none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Input { get; init; }

    /// <summary>The output after the output transformer (normalised JSON; undefined on failure).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Output { get; init; }

    /// <summary>Why the attempt failed, or the comment of an approval decision.</summary>
    public string? Error { get; init; }

    /// <summary>When the attempt started.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>How long the attempt took, executor and transformers together (zero for a decision).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Model usage, when the worker reported any.</summary>
    public TokenUsage? Usage { get; init; }

    /// <summary>Where the hub routed after this entry: a step id, the same step (retry), <c>complete</c> or <c>failed</c>.</summary>
    public required string NextStep { get; init; }

    /// <summary>The data bus after this attempt, when the attempt changed it; null when unchanged.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    /// <summary>The run this entry belongs to.</summary>
    public required string RunId { get; init; }

    /// <summary>run id, step id, visit and attempt: the same when an interrupted attempt runs again.</summary>
    public string IdempotencyKey => Execution.IdempotencyKeys.Format(RunId, StepId, Visit, Attempt);

    /// <summary>
    /// The entry on one line, as <c>keel show</c> lists it: <c>#2 review_code (reviewer) attempt 1 (visit 2): failed in 6 ms: missing a section -> implement_code</c>.
    /// Inputs, outputs and the data bus are left out (they can be large); the error is cut at 120 characters.
    /// </summary>
    public override string ToString()
    {
        var visit = Visit > 1 ? $" (visit {Visit})" : string.Empty;
        var error = Error is null ? string.Empty : ": " + (Error.Length > 120 ? Error[..117] + "..." : Error).ReplaceLineEndings(" ");
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"#{Sequence} {StepId} ({WorkerType.Value}) attempt {Attempt}{visit}: {StableNames.Of(Outcome)} in {DurationText.Format(Duration)}{error} -> {NextStep}");
    }
}
