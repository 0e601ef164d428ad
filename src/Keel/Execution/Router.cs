namespace Keel;

/// <summary>
/// The routing law: a pure function of the definition, the run's position and an outcome. It is the only
/// code that moves a <see cref="RunPosition"/>; the driver applies what it returns.
/// </summary>
internal static class Router
{
    /// <summary>The target after an attempt: a step index (the same one for a retry) or a terminal index.</summary>
    public static int Next(CompiledWorkflow workflow, int stepIndex, AttemptOutcome outcome, int attempt, out bool retry)
        => Next(workflow, stepIndex, outcome, null, attempt, out retry);

    /// <summary>
    /// The target after an attempt whose success carries <paramref name="label"/>: a labelled step routes a
    /// success by its label (the hub has already failed an attempt whose label is missing or unknown).
    /// </summary>
    public static int Next(CompiledWorkflow workflow, int stepIndex, AttemptOutcome outcome, string? label, int attempt, out bool retry)
    {
        retry = false;
        if (outcome.IsSuccess())
        {
            if (outcome == AttemptOutcome.Succeeded && workflow.OnLabel[stepIndex] is { } labels)
            {
                return label is not null && labels.TryGetValue(label, out var labelled) ? labelled : CompiledWorkflow.FailedIndex;
            }

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
        => Next(workflow, stepIndex, outcome, null, attempt, stepsTaken, out retry, out blocked);

    /// <summary>The routing law with labels and the step budget.</summary>
    public static int Next(CompiledWorkflow workflow, int stepIndex, AttemptOutcome outcome, string? label, int attempt, int stepsTaken, out bool retry, out int blocked)
    {
        var target = Next(workflow, stepIndex, outcome, label, attempt, out retry);
        if (target >= 0 && !retry && stepsTaken >= workflow.MaxSteps)
        {
            blocked = target;
            return CompiledWorkflow.FailedIndex;
        }

        blocked = int.MinValue;
        return target;
    }

    /// <summary>
    /// The label of a successful output of a labelled step, or null with the reason the attempt fails
    /// (no label, or one the step does not map). Null label and null error for an unlabelled step.
    /// </summary>
    public static string? Label(WorkflowStep step, System.Text.Json.JsonElement output, out string? error)
    {
        error = null;
        if (!step.HasLabels)
        {
            return null;
        }

        var label = step.LabelFrom!.Read(output, out var problem);
        if (label is null)
        {
            error = $"step '{step.StepId}': {problem} (expected one of: {ExpectedLabels(step)})";
            return null;
        }

        if (!step.OnLabel!.ContainsKey(label))
        {
            error = $"step '{step.StepId}': unknown outcome label '{label}' read by {step.LabelFrom} (expected one of: {ExpectedLabels(step)})";
            return null;
        }

        return label;
    }

    private static string ExpectedLabels(WorkflowStep step) => string.Join(", ", step.OnLabel!.Keys.Order(StringComparer.Ordinal));

    /// <summary>Why a run ended when the step budget stopped it.</summary>
    public static string BudgetSpent(CompiledWorkflow workflow, int blocked, string fromStep)
        => $"step budget of {workflow.MaxSteps} step visits spent: the run was about to enter '{workflow.TargetName(blocked)}' after '{fromStep}'";

    /// <summary>The position after an attempt of an unlabelled step (see the overload with a label).</summary>
    public static RunPosition After(CompiledWorkflow workflow, RunPosition at, AttemptOutcome outcome, int[] visits, string? failure, out bool retry)
        => After(workflow, at, outcome, null, visits, failure, out retry);

    /// <summary>The position after an attempt whose success carries <paramref name="label"/> (see the overload without one).</summary>
    public static RunPosition After(CompiledWorkflow workflow, RunPosition at, AttemptOutcome outcome, string? label, int[] visits, string? failure, out bool retry)
    {
        var target = Next(workflow, at.StepIndex, outcome, label, at.Attempt, at.StepsTaken, out retry, out var blocked);
        if (retry)
        {
            return at with { Attempt = at.Attempt + 1 };
        }

        if (target >= 0)
        {
            return at with { StepIndex = target, Step = workflow.Steps[target].StepId, Visit = visits[target] + 1, Attempt = 1, StepsTaken = at.StepsTaken + 1 };
        }

        if (target == CompiledWorkflow.CompleteIndex)
        {
            return at with { StepIndex = target, Step = workflow.TargetName(target), State = WorkflowState.Completed };
        }

        var error = blocked != int.MinValue
            ? BudgetSpent(workflow, blocked, at.Step)
            : !outcome.IsSuccess() && failure is not null ? failure : "the run reached 'failed'";
        return at with { StepIndex = target, Step = workflow.TargetName(target), State = WorkflowState.Failed, Error = error };
    }

    /// <summary>The position of a run cancelled at <paramref name="at"/>: it stays at its step, cancelled.</summary>
    public static RunPosition Cancelled(RunPosition at, string reason)
        => at with { StepIndex = CompiledWorkflow.FailedIndex, State = WorkflowState.Cancelled, Error = reason };

    /// <summary>The position of a run stopped before an attempt (a spent token or cost budget): <c>failed</c>.</summary>
    public static RunPosition Stopped(RunPosition at, string reason)
        => at with { StepIndex = CompiledWorkflow.FailedIndex, Step = WorkflowStep.Failed, State = WorkflowState.Failed, Error = reason };

    /// <summary>
    /// The position after the one attempt of a step-only fork: <c>complete</c> when it succeeded, else
    /// <c>failed</c> with <paramref name="failure"/>; never a retry and never the next step.
    /// </summary>
    public static RunPosition StepOnly(RunPosition at, AttemptOutcome outcome, string failure)
        => outcome.IsSuccess()
            ? at with { StepIndex = CompiledWorkflow.CompleteIndex, Step = WorkflowStep.Complete, State = WorkflowState.Completed }
            : at with { StepIndex = CompiledWorkflow.FailedIndex, Step = WorkflowStep.Failed, State = WorkflowState.Failed, Error = failure };

    /// <summary>The run waits at its approval step.</summary>
    public static RunPosition Parked(RunPosition at) => at with { State = WorkflowState.WaitingForApproval };

    /// <summary>The run is paused at its step (or made pending again, or driven again).</summary>
    public static RunPosition InState(RunPosition at, WorkflowState state) => at with { State = state };
}
