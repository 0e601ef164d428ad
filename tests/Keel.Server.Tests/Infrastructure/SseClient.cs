using System.Text.Json;

namespace Keel.Server.Tests.Infrastructure;

/// <summary>One server-sent event as read off the wire.</summary>
internal sealed record SseEvent(string? Id, string Type, JsonElement Data);

/// <summary>Reads a text/event-stream response to its end (the server closes a run's stream when the run ends).</summary>
internal static class SseClient
{
    public static async Task<List<SseEvent>> ReadAllAsync(HttpClient client, string path, string? lastEventId = null, Func<SseEvent, bool>? stopAfter = null, Action<string>? onComment = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<SseEvent>();
        string? id = null, type = null, data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    var e = new SseEvent(id, type ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                    events.Add(e);
                    if (stopAfter?.Invoke(e) == true)
                    {
                        return events;
                    }
                }

                id = type = data = null;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith(": ", StringComparison.Ordinal))
            {
                onComment?.Invoke(line[2..]);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return events;
    }
}
