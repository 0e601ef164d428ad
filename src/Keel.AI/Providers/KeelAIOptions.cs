using Microsoft.Extensions.Logging;

namespace Keel.AI;

/// <summary>Everything <see cref="KeelAI.CreateChatClient"/> needs. Provider and model are required; the rest has defaults.</summary>
public sealed class KeelAIOptions
{
    /// <summary>The provider whose API the client speaks.</summary>
    public required ModelProvider Provider { get; init; }

    /// <summary>The model id (for Azure OpenAI, the deployment name).</summary>
    public required string Model { get; init; }

    /// <summary>
    /// The base URL: required for OpenAI-compatible servers and Azure OpenAI; defaults to
    /// https://api.openai.com/v1 for OpenAI and http://localhost:11434 for Ollama.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The API key (never recorded: errors that carry it are redacted). Required for OpenAI and Azure OpenAI.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Logs of the model calls (Microsoft.Extensions.AI's logging client; payloads only at Trace). Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The ActivitySource and Meter name of the gen_ai telemetry. Default <see cref="KeelAI.TelemetrySourceName"/>.</summary>
    public string TelemetrySourceName { get; init; } = KeelAI.TelemetrySourceName;

    /// <summary>Puts prompts and answers on the gen_ai spans. Default false.</summary>
    public bool EnableSensitiveTelemetry { get; init; }

    /// <summary>Retries of transient HTTP failures inside one attempt.</summary>
    public ModelResilienceOptions Resilience { get; init; } = new();

    /// <summary>The innermost HTTP handler (a proxy, a test handler). Default: a new SocketsHttpHandler.</summary>
    public HttpMessageHandler? PrimaryHandler { get; init; }
}

/// <summary>
/// How transient HTTP failures (429, 408, 5xx, network errors, attempt timeouts) are retried inside one
/// attempt, by Microsoft.Extensions.Http.Resilience. A Retry-After header is honoured.
/// </summary>
public sealed class ModelResilienceOptions
{
    /// <summary>Retries after the first request. Default 3.</summary>
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>The first backoff delay (exponential with jitter), used when no Retry-After is given. Default 2 seconds.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed to one HTTP request. Default 100 seconds.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Time allowed to a request and all its retries. Default 5 minutes.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Leaves a provider's back-off to the cluster instead of retrying here. When true, an HTTP 429 that says
    /// when to come back (<c>Retry-After</c>, or <c>retry-after-ms</c>) fails the call at once with
    /// <see cref="ModelBackoffException"/> naming the model and the time given; a worker wrapped by
    /// <see cref="AttemptLimiterExtensions.Limited"/> then pauses admission of new calls to that model for every
    /// worker sharing its limiter (every process, with a PostgreSQL limiter) and calls again in the same attempt
    /// once the time is over. A 429 without a time is still retried here. Default false: each client honours
    /// Retry-After on its own.
    /// </summary>
    public bool SharedBackoff { get; init; }
}
