using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Keel.AI;

/// <summary>An HttpClient whose handler chain retries transient failures (Microsoft.Extensions.Http.Resilience).</summary>
internal static class ResilientHttp
{
    public static HttpClient Create(ModelResilienceOptions options, HttpMessageHandler? primary, string model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetryAttempts);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetryAttempts),
                Delay = options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                ShouldHandle = options.MaxRetryAttempts == 0
                    ? static _ => ValueTask.FromResult(false)
                    : static args => ValueTask.FromResult(
                        args.Outcome.Exception is Polly.Timeout.TimeoutRejectedException
                        || HttpClientResiliencePredicates.IsTransient(args.Outcome)),
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
        var inner = primary ?? new SocketsHttpHandler();
        if (options.SharedBackoff)
        {
            // Inside the retries: a 429 with a time to wait leaves them (it is not transient to them) and reaches the limiter.
            inner = new SharedBackoffHandler(model, TimeProvider.System) { InnerHandler = inner };
        }

        var handler = new ResilienceHandler(pipeline) { InnerHandler = inner };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
