namespace Keel;

/// <summary>
/// One state of the workflow: which worker type does the work, where to go on success and on failure,
/// and how many retries a visit may spend. Immutable once built; create with the constructor
/// (named arguments read like the seed) or an object initializer.
/// </summary>
public sealed record WorkflowStep
{
    /// <summary>The terminal target that ends a run as completed.</summary>
    public const string Complete = "complete";

    /// <summary>The terminal target that ends a run as failed.</summary>
    public const string Failed = "failed";

    /// <summary>An empty step for an object initializer; set at least <see cref="StepId"/> and <see cref="WorkerType"/>.</summary>
    public WorkflowStep()
    {
    }

    /// <summary>A work step <paramref name="stepId"/> done by <paramref name="workerType"/>; <paramref name="onSuccess"/> defaults to <c>complete</c>, a null <paramref name="onFailure"/> fails the run when the retries are spent.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public WorkflowStep(
        string stepId,
        WorkerType workerType,
        string description = "",
        string? onSuccess = null,
        string? onFailure = null,
        int maxRetries = 0,
        TimeSpan? timeout = null,
        TimeSpan? retryDelay = null)
    {
        StepId = stepId;
        WorkerType = workerType;
        Description = description;
        OnSuccess = onSuccess ?? Complete;
        OnFailure = onFailure;
        MaxRetries = maxRetries;
        Timeout = timeout;
        RetryDelay = retryDelay;
    }

    /// <summary>Approval step: parks the run with a prompt until approved (on_success) or rejected (on_failure).</summary>
    public static WorkflowStep Approval(string stepId, string prompt, string onApproved, string onRejected = Failed, string description = "")
        => new()
        {
            StepId = stepId,
            Kind = StepKind.Approval,
            WorkerType = new WorkerType("approval"),
            Prompt = prompt,
            Description = description.Length == 0 ? prompt : description,
            OnSuccess = onApproved,
            OnFailure = onRejected,
        };

    /// <summary>The step's id, unique in its workflow; routes name steps by it.</summary>
    public required string StepId { get; init; }

    /// <summary>The worker type that does the work. Unused by approval steps.</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>What the step does, for people, graphs and planners. Empty by default.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Next step on success; <c>complete</c> when not set.</summary>
    public string OnSuccess { get; init; } = Complete;

    /// <summary>Next step when the retries are spent; when not set the run fails.</summary>
    public string? OnFailure { get; init; }

    /// <summary>Retries per visit after the first attempt: 2 means at most 3 attempts. Default 0.</summary>
    public int MaxRetries { get; init; }

    /// <summary>Time allowed to one attempt (executor and transformers); none when not set.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Delay before the first retry; none when not set.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Factor applied to the delay at each further retry (exponential backoff). Default 2.</summary>
    public double RetryBackoff { get; init; } = 2.0;

    /// <summary>The longest delay between retries, however many retries are spent. Default 5 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What the step does when entered: run a worker (the default), wait for approval, or one of the routing constructs.</summary>
    public StepKind Kind { get; init; } = StepKind.Work;

    /// <summary>What an approver is asked (approval steps).</summary>
    public string? Prompt { get; init; }

    /// <summary>Optional input transformer for this step; takes precedence over the worker's.</summary>
    public InputTransformer? InputTransformer { get; init; }

    /// <summary>
    /// Outcome labels mapped to targets (a reviewer's <c>approve</c>, <c>request_changes</c>, <c>reject</c>).
    /// When set, a successful attempt routes by the label <see cref="LabelFrom"/> reads from its output,
    /// instead of along <see cref="OnSuccess"/>; a missing or unknown label is a failed attempt.
    /// </summary>
    public IReadOnlyDictionary<string, string>? OnLabel { get; init; }

    /// <summary>How the label is read from the output (required with <see cref="OnLabel"/>).</summary>
    public LabelReader? LabelFrom { get; init; }

    /// <summary>The branches of a parallel step, run concurrently; joined in declaration order.</summary>
    public IReadOnlyList<Branch>? Branches { get; init; }

    /// <summary>How a parallel or map step's outcome follows from its branches' or items' outcomes. Default all.</summary>
    public JoinMode Join { get; init; } = JoinMode.All;

    /// <summary>Most branches or items of this step running at once; all at once when not set.</summary>
    public int? MaxParallel { get; init; }

    /// <summary>
    /// Map steps: the field of the step's input that holds the list (the input itself when not set).
    /// </summary>
    public string? MapItemsFrom { get; init; }

    /// <summary>Map steps: the most items a run-time list may have (required); a longer list fails the attempt.</summary>
    public int? MapMaxItems { get; init; }

    /// <summary>True for steps that route by outcome labels.</summary>
    public bool HasLabels => OnLabel is { Count: > 0 };

    /// <summary>
    /// A parallel step: <paramref name="branches"/> run concurrently, each with its own worker, retries
    /// and timeout; the join's outcome follows <paramref name="join"/>.
    /// </summary>
    public static WorkflowStep Parallel(string stepId, IReadOnlyList<Branch> branches, string onSuccess = Complete, string? onFailure = null, JoinMode join = JoinMode.All, int? maxParallel = null, string description = "")
        => new()
        {
            StepId = stepId,
            Kind = StepKind.Parallel,
            WorkerType = new WorkerType("parallel"),
            Branches = branches,
            Description = description,
            OnSuccess = onSuccess,
            OnFailure = onFailure,
            Join = join,
            MaxParallel = maxParallel,
        };

    /// <summary>
    /// A map step: one <paramref name="workerType"/> attempt per item of the list in its input (or in the
    /// input's <paramref name="itemsFrom"/> field), at most <paramref name="maxItems"/> items, each item
    /// with <paramref name="maxRetries"/> retries; the outputs joined in item order.
    /// </summary>
    public static WorkflowStep Map(string stepId, WorkerType workerType, int maxItems, string? itemsFrom = null, string onSuccess = Complete, string? onFailure = null, int maxRetries = 0, int? maxParallel = null, TimeSpan? timeout = null, string description = "")
        => new()
        {
            StepId = stepId,
            Kind = StepKind.Map,
            WorkerType = workerType,
            MapMaxItems = maxItems,
            MapItemsFrom = itemsFrom,
            Description = description,
            OnSuccess = onSuccess,
            OnFailure = onFailure,
            MaxRetries = maxRetries,
            MaxParallel = maxParallel,
            Timeout = timeout,
        };

    /// <summary>True for <c>complete</c> and <c>failed</c>.</summary>
    public static bool IsTerminal(string target)
        => string.Equals(target, Complete, StringComparison.Ordinal) || string.Equals(target, Failed, StringComparison.Ordinal);

    internal TimeSpan DelayBeforeRetry(int failedAttempt)
    {
        if (RetryDelay is not { } delay || delay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(RetryBackoff <= 0 ? 1 : RetryBackoff, Math.Max(0, failedAttempt - 1));
        var ticks = delay.Ticks * factor;
        return ticks >= MaxRetryDelay.Ticks ? MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }
}
