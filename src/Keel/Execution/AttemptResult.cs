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

    /// <summary>
    /// The routing law with the run's step budget: a new visit when the budget is spent goes to
    /// <c>failed</c> instead, and <paramref name="blocked"/> names the target it would have entered
    /// (<see cref="int.MinValue"/> when the budget did not stop anything).
    /// </summary>
    public static int Next(CompiledWorkflow workflow, int stepIndex, AttemptOutcome outcome, int attempt, int stepsTaken, out bool retry, out int blocked)
    {
        var target = Next(workflow, stepIndex, outcome, attempt, out retry);
        if (target >= 0 && !retry && stepsTaken >= workflow.MaxSteps)
        {
            blocked = target;
            return CompiledWorkflow.FailedIndex;
        }

        blocked = int.MinValue;
        return target;
    }

    /// <summary>Why a run ended when the step budget stopped it.</summary>
    public static string BudgetSpent(CompiledWorkflow workflow, int blocked, string fromStep)
        => $"step budget of {workflow.MaxSteps} step visits spent: the run was about to enter '{workflow.TargetName(blocked)}' after '{fromStep}'";
}
