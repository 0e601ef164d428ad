namespace Keel;

/// <summary>Groups of <see cref="WorkflowState"/>s.</summary>
public static class WorkflowStates
{
    /// <summary>The states a run ends in and never leaves: completed, failed, cancelled. Deleting runs touches only these unless told otherwise.</summary>
    public static IReadOnlyList<WorkflowState> Ended { get; } = [WorkflowState.Completed, WorkflowState.Failed, WorkflowState.Cancelled];

    /// <summary>True for completed, failed and cancelled: no one drives the run any more.</summary>
    public static bool IsEnded(this WorkflowState state)
        => state is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled;
}
