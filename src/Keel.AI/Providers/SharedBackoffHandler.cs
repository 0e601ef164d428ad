using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Keel.AI;

/// <summary>
/// Turns a provider's HTTP 429 that says when to come back (<c>Retry-After</c> in seconds or as a date, or
/// OpenAI's <c>retry-after-ms</c>) into <see cref="ModelBackoffException"/> instead of a local retry, so a
/// worker wrapped by <see cref="AttemptLimiterExtensions.Limited"/> pauses admission to the model for every
/// worker sharing its limiter. A 429 without a time is left to the local retries.
/// </summary>
internal sealed class SharedBackoffHandler(string model, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests && RetryAfter(response.Headers, time.GetUtcNow()) is { } wait)
        {
            response.Dispose();
            throw new ModelBackoffException(model, wait);
        }

        return response;
    }

    /// <summary>How long the response asks callers to wait, or null when it does not say.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return headers.RetryAfter switch
        {
            { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };
    }
}
