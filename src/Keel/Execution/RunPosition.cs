namespace Keel;

/// <summary>
/// Where a run stands: the step to run next (or the terminal target reached), its visit and attempt, the
/// step visits spent, the state and the run's error. One value, moved only by <see cref="Router"/>.
/// </summary>
internal readonly record struct RunPosition(int StepIndex, string Step, int Visit, int Attempt, int StepsTaken, WorkflowState State, string? Error)
{
    /// <summary>True while the run is at a step (not at a terminal target).</summary>
    public bool AtStep => StepIndex >= 0;

    /// <summary>The start of a run at the workflow's initial step.</summary>
    public static RunPosition Start(CompiledWorkflow workflow)
        => new(workflow.Initial, workflow.Steps[workflow.Initial].StepId, 1, 1, 1, WorkflowState.Running, null);
}
