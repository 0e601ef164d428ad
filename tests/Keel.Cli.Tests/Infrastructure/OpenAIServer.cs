using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Testing;

namespace Keel.Cli.Tests;

/// <summary>What the loopback server answers to one request: a chat completion with this content and usage.</summary>
internal sealed record Reply(string Text, int InputTokens, int OutputTokens, string Model)
{
    public static Reply Content(string text, int inputTokens = 10, int outputTokens = 5, string model = "gpt-test") => new(text, inputTokens, outputTokens, model);
}

/// <summary>One request the server received.</summary>
internal sealed record ReceivedRequest(JsonElement Body, string? Authorization)
{
    public IReadOnlyList<(string Role, string Content)> Messages
        => Body.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString()!, ContentOf(m.GetProperty("content"))))
            .ToArray();

    public string AllText => string.Join("\n", Messages.Select(m => m.Content));

    private static string ContentOf(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : string.Empty));
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener, free port) that speaks OpenAI chat completions at
/// POST /v1/chat/completions, with usage (and Ollama's POST /api/chat). The keel command under test is a separate process and reaches
/// it through OPENAI_BASE_URL. A responder function picks the reply for each request (requests are
/// served concurrently, so a responder may wait).
/// </summary>
internal sealed class OpenAIServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Func<ReceivedRequest, int, Reply> _responder;
    private readonly Task _loop;

    private OpenAIServer(Func<ReceivedRequest, int, Reply> responder)
    {
        _responder = responder;
        (_listener, BaseUrl) = Listen();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>The server's root, for clients that add their own paths (Ollama's /api/chat).</summary>
    public Uri Root => new(BaseUrl.GetLeftPart(UriPartial.Authority) + "/");

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

    public static Task<OpenAIServer> StartAsync(Func<ReceivedRequest, int, Reply> responder) => Task.FromResult(new OpenAIServer(responder));

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop then Close unbinds the port twice, and the second time binds it again first,
        // which fails when another socket has taken the port in between.
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            HttpListenerContext http;
            try
            {
                http = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(http));
        }
    }

    private async Task ServeAsync(HttpListenerContext http)
    {
        try
        {
            await HandleAsync(http).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private async Task HandleAsync(HttpListenerContext http)
    {
        var path = http.Request.Url?.AbsolutePath;
        if (http.Request.HttpMethod != "POST" || path is not ("/v1/chat/completions" or "/api/chat"))
        {
            http.Response.StatusCode = 404;
            http.Response.Close();
            return;
        }

        var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.InputStream).ConfigureAwait(false);
        var request = new ReceivedRequest(body, http.Request.Headers["Authorization"]);
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(request);
        }

        var reply = _responder(request, index);
        var ollama = path == "/api/chat";
        var bytes = Encoding.UTF8.GetBytes(ollama ? ChatCompletionWire.OllamaChunks(reply.Model, reply.Text, reply.InputTokens, reply.OutputTokens) : Completion(reply, index).ToJsonString());
        http.Response.StatusCode = 200;
        http.Response.ContentType = ollama ? "application/x-ndjson" : "application/json";
        http.Response.ContentLength64 = bytes.Length;
        await http.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        http.Response.Close();
    }

    private static JsonObject Completion(Reply reply, int index)
        => ChatCompletionWire.Completion(reply.Model, reply.Text, reply.InputTokens, reply.OutputTokens, index);

    /// <summary>
    /// Starts a listener on a free port (another test may take a probed port first: then try another, with a
    /// new listener, since one whose start failed is disposed).
    /// </summary>
    private static (HttpListener Listener, Uri BaseUrl) Listen()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, new Uri($"http://127.0.0.1:{port}/v1"));
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Not closed: a failed start has disposed it, and closing it again would unbind the port's
                // endpoint that another server shares.
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
