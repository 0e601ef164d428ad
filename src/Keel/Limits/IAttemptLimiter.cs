namespace Keel;

/// <summary>
/// Admits worker calls under concurrency limits: per worker type, per model, per process, and a model's
/// back-off. <see cref="InMemoryAttemptLimiter"/> holds them within one process; a store shared by many
/// processes (PostgreSQL) offers one that holds them across the cluster. Workers wrapped by
/// <see cref="AttemptLimiterExtensions.Limited"/> ask it before every call, so a call waiting for
/// admission waits: it does not fail.
/// </summary>
public interface IAttemptLimiter
{
    /// <summary>
    /// Waits until the call may start (a slot free under every limit that applies, the model's back-off
    /// over), then returns the permit that holds the slots until it is disposed.
    /// </summary>
    ValueTask<IAsyncDisposable> AcquireAsync(AttemptAdmission admission, CancellationToken cancellationToken);

    /// <summary>
    /// Pauses the admission of new calls to <paramref name="model"/> for <paramref name="retryAfter"/>
    /// (a provider's HTTP 429 with Retry-After), for every caller sharing the limiter. A shorter pause
    /// never shortens a longer one already recorded.
    /// </summary>
    ValueTask BackOffAsync(string model, TimeSpan retryAfter, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until one more run of <paramref name="workflowName"/> may be driven (<see cref="AttemptLimits.PerWorkflow"/>),
    /// then returns the permit that holds its place until it is disposed. The default admits at once: a
    /// limiter without run limits.
    /// </summary>
    ValueTask<IAsyncDisposable> AcquireRunAsync(string workflowName, CancellationToken cancellationToken) => new(NoRunLimit.Permit);
}

/// <summary>The permit of a run no limit applies to.</summary>
internal sealed class NoRunLimit : IAsyncDisposable
{
    public static readonly NoRunLimit Permit = new();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>What a worker call is, for the limits that apply to it.</summary>
public sealed record AttemptAdmission
{
    /// <summary>The run the call belongs to.</summary>
    public required string RunId { get; init; }

    /// <summary>The run's workflow.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>The type of the worker called.</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>The model the worker calls, when it calls one (the per-model limit and back-off apply).</summary>
    public string? Model { get; init; }
}
