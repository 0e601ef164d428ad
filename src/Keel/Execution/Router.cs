namespace Keel;

/// <summary>
/// The routing law: a pure function of the definition, the run's position and an outcome. It is the only
/// code that moves a <see cref="RunPosition"/>; the driver applies what it returns.
/// </summary>
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

    /// <summary>
    /// The position after an attempt (or a decision) at <paramref name="at"/> ended with
    /// <paramref name="outcome"/>. <paramref name="visits"/> holds each step's visits so far (read only);
    /// <paramref name="failure"/> says why the run fails when it reaches <c>failed</c> from a failed outcome.
    /// </summary>
    public static RunPosition After(CompiledWorkflow workflow, RunPosition at, AttemptOutcome outcome, int[] visits, string? failure, out bool retry)
    {
        var target = Next(workflow, at.StepIndex, outcome, at.Attempt, at.StepsTaken, out retry, out var blocked);
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

    /// <summary>The run waits at its approval step.</summary>
    public static RunPosition Parked(RunPosition at) => at with { State = WorkflowState.WaitingForApproval };

    /// <summary>The run is paused at its step (or made pending again, or driven again).</summary>
    public static RunPosition InState(RunPosition at, WorkflowState state) => at with { State = state };
}
