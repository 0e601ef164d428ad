using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Keel.Testing;

namespace Keel.AI.Tests;

/// <summary>What the loopback server answers to one request.</summary>
internal abstract record Reply
{
    /// <summary>A chat completion with this content and usage (plain or streamed, as the request asks).</summary>
    public static Reply Content(string text, int inputTokens = 10, int outputTokens = 5, string model = "gpt-test") => new ContentReply(text, inputTokens, outputTokens, model);

    /// <summary>An HTTP error with a body (and a Retry-After header in seconds, when given).</summary>
    /// <summary>Waits (until the client gives up) before answering with <paramref name="then"/>.</summary>
    public static Reply Delayed(TimeSpan delay, Reply then) => new DelayedReply(delay, then);

    public static Reply Status(int status, string body = "{\"error\":{\"message\":\"failure\",\"type\":\"server_error\"}}", int? retryAfterSeconds = null) => new StatusReply(status, body, retryAfterSeconds);
}

internal sealed record ContentReply(string Text, int InputTokens, int OutputTokens, string Model) : Reply;

internal sealed record StatusReply(int Code, string Body, int? RetryAfter) : Reply;

internal sealed record DelayedReply(TimeSpan Delay, Reply Then) : Reply;

/// <summary>One request the server received.</summary>
internal sealed record ReceivedRequest(JsonElement Body, string? Authorization, string Path = "")
{
    /// <summary>When the server received the request (UTC ticks of this machine's clock).</summary>
    public long ReceivedAt { get; } = TimeProvider.System.GetUtcNow().UtcTicks;

    public IReadOnlyList<(string Role, string Content)> Messages
        => Body.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString()!, ContentOf(m.GetProperty("content"))))
            .ToArray();

    public string AllText => string.Join("\n", Messages.Select(m => m.Content));

    public bool Streaming => Body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;

    private static string ContentOf(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : string.Empty));
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, port chosen by the system) that speaks OpenAI chat
/// completions at POST /v1/chat/completions: plain JSON or server-sent events with usage, and errors.
/// A responder function picks the reply for each request.
/// </summary>
internal sealed class OpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Func<ReceivedRequest, int, Reply> _responder;

    private OpenAIServer(WebApplication app, Func<ReceivedRequest, int, Reply> responder)
    {
        _app = app;
        _responder = responder;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    public static Task<OpenAIServer> StartAsync(params Reply[] replies)
    {
        var queue = new Queue<Reply>(replies);
        return StartAsync((_, _) =>
        {
            lock (queue)
            {
                return queue.Count > 0 ? queue.Dequeue() : Reply.Status(500, "{\"error\":{\"message\":\"no reply scripted\"}}");
            }
        });
    }

    public static async Task<OpenAIServer> StartAsync(Func<ReceivedRequest, int, Reply> responder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new OpenAIServer(app, responder);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/openai/v1/chat/completions", server.HandleAsync);
        app.MapPost("/api/chat", server.HandleOllamaAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
        var request = new ReceivedRequest(body, http.Request.Headers.Authorization.ToString(), http.Request.Path);
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(request);
        }

        var reply = _responder(request, index);
        if (reply is DelayedReply delayed)
        {
            try
            {
                await Task.Delay(delayed.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            reply = delayed.Then;
        }

        switch (reply)
        {
            case StatusReply status:
                http.Response.StatusCode = status.Code;
                if (status.RetryAfter is { } seconds)
                {
                    http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(status.Body.Replace("{authorization}", request.Authorization, StringComparison.Ordinal));
                break;
            case ContentReply content when request.Streaming:
                await StreamAsync(http, content, index);
                break;
            case ContentReply content:
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(Completion(content, index).ToJsonString());
                break;
        }
    }

    /// <summary>Ollama's /api/chat: newline-delimited JSON chunks, the last one with the token counts.</summary>
    private async Task HandleOllamaAsync(HttpContext http)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
        var request = new ReceivedRequest(body, http.Request.Headers.Authorization.ToString());
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(request);
        }

        if (_responder(request, index) is not ContentReply reply)
        {
            http.Response.StatusCode = 500;
            return;
        }

        http.Response.ContentType = "application/x-ndjson";
        await http.Response.WriteAsync(ChatCompletionWire.OllamaChunks(reply.Model, reply.Text, reply.InputTokens, reply.OutputTokens));
    }

    /// <summary>The server's root, for clients that add their own paths (Ollama).</summary>
    public Uri Root => new(BaseUrl.GetLeftPart(UriPartial.Authority) + "/");

    private static JsonObject Completion(ContentReply reply, int index)
        => ChatCompletionWire.Completion(reply.Model, reply.Text, reply.InputTokens, reply.OutputTokens, index);

    private static JsonObject Usage(ContentReply reply) => ChatCompletionWire.Usage(reply.InputTokens, reply.OutputTokens);

    private static async Task StreamAsync(HttpContext http, ContentReply reply, int index)
    {
        http.Response.ContentType = "text/event-stream";
        var half = reply.Text.Length / 2;
        var pieces = new[] { reply.Text[..half], reply.Text[half..] };
        await Event(http, Chunk(reply, index, new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null));
        foreach (var piece in pieces)
        {
            await Event(http, Chunk(reply, index, new JsonObject { ["content"] = piece }, null));
        }

        await Event(http, Chunk(reply, index, new JsonObject(), "stop"));
        var usage = Chunk(reply, index, null, null);
        usage["choices"] = new JsonArray();
        usage["usage"] = Usage(reply);
        await Event(http, usage);
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static JsonObject Chunk(ContentReply reply, int index, JsonObject? delta, string? finish) => new()
    {
        ["id"] = $"chatcmpl-{index}",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = reply.Model,
        ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
    };

    private static async Task Event(HttpContext http, JsonObject data)
    {
        await http.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", Encoding.UTF8);
        await http.Response.Body.FlushAsync();
    }
}
