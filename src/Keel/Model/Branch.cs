namespace Keel;

/// <summary>
/// One branch of a parallel step: its own worker type, retries and timeout. Its attempts are recorded
/// under the step id <c>{step}/{name}</c>.
/// </summary>
/// <param name="Name">Unique within the step; letters, digits, '_' and '-' (no '/').</param>
/// <param name="WorkerType">The worker type that does the branch's work.</param>
/// <param name="MaxRetries">Retries after the first attempt. Default 0.</param>
/// <param name="Timeout">Time allowed to one attempt; none when not set.</param>
public sealed record Branch(string Name, WorkerType WorkerType, int MaxRetries = 0, TimeSpan? Timeout = null)
{
    /// <summary>Delay before the first retry; none when not set (then doubled, at most 5 minutes).</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Optional input transformer for this branch; else the worker's, else the parallel step's input.</summary>
    public InputTransformer? InputTransformer { get; init; }
}
