using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Keel.Server.Events;

/// <summary>Writes server-sent events (text/event-stream) and flushes each one.</summary>
internal static class Sse
{
    public static void Begin(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>A server event: <c>event:</c> the type, <c>id:</c> the id (when given), <c>data:</c> the payload's JSON as <paramref name="typeInfo"/> writes it.</summary>
    public static async Task WriteAsync<T>(HttpResponse response, string type, long? id, T payload, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(payload, typeInfo);
        var text = (id is { } sequence ? $"id: {sequence}\n" : string.Empty) + $"event: {type}\ndata: {json}\n\n";
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A core run event: <c>event:</c> its type, <c>id:</c> its sequence (unless left out), <c>data:</c> its JSON.</summary>
    public static async Task WriteEventAsync(HttpResponse response, Keel.RunEvent runEvent, CancellationToken cancellationToken, bool withId = true)
    {
        var text = (withId ? $"id: {runEvent.Sequence}\n" : string.Empty) + $"event: {runEvent.Type}\ndata: {RunEventJson.Serialize(runEvent)}\n\n";
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task CommentAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync($": {text}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
