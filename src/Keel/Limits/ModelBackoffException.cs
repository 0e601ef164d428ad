namespace Keel;

/// <summary>
/// Thrown by a worker when its model's provider asks callers to back off (HTTP 429 with Retry-After). A
/// worker wrapped by <see cref="AttemptLimiterExtensions.Limited"/> does not fail the attempt: it pauses
/// admission to the model for every caller sharing the limiter, waits, and calls again.
/// </summary>
public sealed class ModelBackoffException : KeelException
{
    /// <summary>Says <paramref name="model"/>'s provider asked for no calls during <paramref name="retryAfter"/> (a negative value counts as zero).</summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is null, empty or white space.</exception>
    public ModelBackoffException(string model, TimeSpan retryAfter)
        : base($"The provider of model '{model}' asked callers to back off for {retryAfter.TotalSeconds:0.###} s.")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        Model = model;
        RetryAfter = retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter;
    }

    /// <summary>The model that asked for the back-off.</summary>
    public string Model { get; }

    /// <summary>How long to hold new calls back.</summary>
    public TimeSpan RetryAfter { get; }
}
