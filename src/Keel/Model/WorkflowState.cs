namespace Keel;

/// <summary>Where a run is. Recorded by name (snake case) in stores.</summary>
public enum WorkflowState
{
    /// <summary>Created, not started.</summary>
    Pending,
    /// <summary>Executing, or interrupted and resumable.</summary>
    Running,
    /// <summary>Parked at an approval step until someone approves or rejects it.</summary>
    WaitingForApproval,
    /// <summary>Reached the terminal target <c>complete</c>.</summary>
    Completed,
    /// <summary>Reached <c>failed</c>: a step with no failure path, an exhausted step budget, a stopped budget.</summary>
    Failed,
    /// <summary>Cancelled on request (recorded); not resumable.</summary>
    Cancelled,
    /// <summary>Paused on request: driven by no one until resumed (then pending again).</summary>
    Paused,
}

/// <summary>The result of one attempt (or one decision at an approval step), as a value.</summary>
public enum AttemptOutcome
{
    /// <summary>The worker returned an output that passed validation.</summary>
    Succeeded,
    /// <summary>The worker or a transformer threw.</summary>
    Failed,
    /// <summary>The output failed validation or cannot be recorded as JSON.</summary>
    InvalidOutput,
    /// <summary>The step's timeout elapsed.</summary>
    TimedOut,
    /// <summary>The run was cancelled during the attempt.</summary>
    Cancelled,
    /// <summary>A person approved an approval step.</summary>
    Approved,
    /// <summary>A person rejected an approval step.</summary>
    Rejected,
}

/// <summary>What a step does.</summary>
public enum StepKind
{
    /// <summary>Calls the worker registered for the step's worker type.</summary>
    Work,
    /// <summary>Parks the run until a person approves (on_success) or rejects (on_failure).</summary>
    Approval,
    /// <summary>Runs its branches concurrently and joins their outcomes in declaration order.</summary>
    Parallel,
    /// <summary>Runs its worker once per item of a run-time list, joined in item order.</summary>
    Map,
}

/// <summary>How a parallel or map step's outcome follows from the outcomes of its branches or items.</summary>
public enum JoinMode
{
    /// <summary>The join succeeds when every branch (item) succeeded.</summary>
    All,
    /// <summary>The join succeeds when at least one branch (item) succeeded.</summary>
    Any,
}

/// <summary>Helpers over <see cref="AttemptOutcome"/>.</summary>
public static class AttemptOutcomeExtensions
{
    /// <summary>True when the outcome routes along on_success.</summary>
    public static bool IsSuccess(this AttemptOutcome outcome)
        => outcome is AttemptOutcome.Succeeded or AttemptOutcome.Approved;
}
