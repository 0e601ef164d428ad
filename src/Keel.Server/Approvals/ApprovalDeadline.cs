namespace Keel.Server.Approvals;

/// <summary>
/// An approval step's deadline is its <see cref="WorkflowStep.Timeout"/>, counted from when the run parked
/// there. When it passes, the decision is recorded as a rejection by <c>deadline</c>, so the run follows
/// the step's declared on_failure path, the same as any timed-out step.
/// </summary>
internal static class ApprovalDeadline
{
    /// <summary>Who a decision made by a passed deadline is recorded as.</summary>
    public const string Decider = "deadline";

    public static DateTimeOffset? Of(WorkflowStep step, DateTimeOffset parkedAt)
        => step.Kind == StepKind.Approval && step.Timeout is { } timeout && timeout > TimeSpan.Zero ? parkedAt + timeout : null;
}
