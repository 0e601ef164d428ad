namespace Keel;

/// <summary>
/// The bounds every definition is checked against when it is validated, whether it was built in code or
/// read from a file: no count, factor or duration of a definition is unbounded.
/// </summary>
public static class WorkflowLimits
{
    /// <summary>Most steps a workflow may have: 100,000.</summary>
    public const int MaxStepCount = 100_000;

    /// <summary>Largest <see cref="WorkflowStep.MaxRetries"/>: 100 retries, so at most 101 attempts a visit.</summary>
    public const int MaxRetries = 100;

    /// <summary>Largest <see cref="WorkflowDefinition.MaxSteps"/> (the step budget of a run): 1,000,000 visits.</summary>
    public const int MaxStepBudget = 1_000_000;

    /// <summary>Smallest <see cref="WorkflowStep.RetryBackoff"/>: 1 (the same delay before every retry).</summary>
    public const double MinRetryBackoff = 1.0;

    /// <summary>Largest <see cref="WorkflowStep.RetryBackoff"/>: 10.</summary>
    public const double MaxRetryBackoff = 10.0;

    /// <summary>Longest <see cref="WorkflowStep.Timeout"/> of one attempt: 7 days.</summary>
    public static TimeSpan MaxTimeout { get; } = TimeSpan.FromDays(7);

    /// <summary>Longest <see cref="WorkflowStep.RetryDelay"/> and <see cref="WorkflowStep.MaxRetryDelay"/>: 1 day.</summary>
    public static TimeSpan MaxRetryDelay { get; } = TimeSpan.FromDays(1);
}
