using System.Text.Json;

namespace Keel;

/// <summary>What one attempt produced, as a value: the hub routes on it and records it; nothing is thrown through the hub.</summary>
internal readonly record struct AttemptResult(AttemptOutcome Outcome, JsonElement Input, JsonElement Output, string? Error)
{
    public static AttemptResult Success(JsonElement input, JsonElement output) => new(AttemptOutcome.Succeeded, input, output, null);

    public static AttemptResult Failure(AttemptOutcome outcome, JsonElement input, string error) => new(outcome, input, default, error);
}

/// <summary>The routing law: a pure function of the definition, the step, the outcome and the attempt.</summary>
internal static class Router
{
    /// <summary>The target after an attempt: a step index (the same one for a retry) or a terminal index.</summary>
    public static int Next(CompiledWorkflow workflow, int stepIndex, AttemptOutcome outcome, int attempt, out bool retry)
    {
        retry = false;
        if (outcome.IsSuccess())
        {
            return workflow.OnSuccess[stepIndex];
        }

        if (outcome is AttemptOutcome.Rejected)
        {
            return workflow.OnFailure[stepIndex];
        }

        if (attempt <= workflow.Steps[stepIndex].MaxRetries)
        {
            retry = true;
            return stepIndex;
        }

        return workflow.OnFailure[stepIndex];
    }
}
