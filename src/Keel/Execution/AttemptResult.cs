using System.Text.Json;

namespace Keel;

/// <summary>What one attempt produced, as a value: the hub routes on it and records it; nothing is thrown through the hub.</summary>
internal readonly record struct AttemptResult(AttemptOutcome Outcome, JsonElement Input, JsonElement Output, string? Error, string? Label = null)
{
    /// <summary>True when the attempt stopped without an outcome: a sub-workflow step's child run paused. Nothing is recorded.</summary>
    public bool Suspended { get; init; }

    public static AttemptResult Success(JsonElement input, JsonElement output, string? label = null) => new(AttemptOutcome.Succeeded, input, output, null, label);

    public static AttemptResult Failure(AttemptOutcome outcome, JsonElement input, string error) => new(outcome, input, default, error);
}
