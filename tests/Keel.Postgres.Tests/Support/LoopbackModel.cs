using System.Net;
using System.Text;

namespace Keel.Postgres.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener) speaking OpenAI chat completions: the first request is
/// answered 429 with a Retry-After, every other one with a completion. Records when each request arrived.
/// </summary>
internal sealed class LoopbackModel : IDisposable
{
    private readonly HttpListener _listener;
    private readonly List<long> _arrivals = [];
    private readonly int _retryAfterSeconds;
    private readonly Task _loop;

    public LoopbackModel(int retryAfterSeconds)
    {
        _retryAfterSeconds = retryAfterSeconds;
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 60_000);
            var listener = new HttpListener();
            try
            {
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                listener.Start();
                _listener = listener;
                BaseUrl = new Uri($"http://127.0.0.1:{port}/v1");
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                // Port taken: another one, on a new listener (one whose start failed is disposed; closing it
                // again would unbind the port's endpoint that another server shares).
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; } = null!;

    /// <summary>When each request arrived (UTC ticks of this machine's clock), in order.</summary>
    public IReadOnlyList<long> Arrivals
    {
        get
        {
            lock (_arrivals)
            {
                return [.. _arrivals];
            }
        }
    }

    public void Dispose()
    {
        // Close alone: Stop then Close unbinds the port twice, and the second time binds it again first,
        // which fails when another socket has taken the port in between.
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext http;
            try
            {
                http = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var reader = new StreamReader(http.Request.InputStream))
            {
                await reader.ReadToEndAsync();
            }

            int index;
            lock (_arrivals)
            {
                index = _arrivals.Count;
                _arrivals.Add(TimeProvider.System.GetUtcNow().UtcTicks);
            }

            var body = index == 0
                ? "{\"error\":{\"message\":\"rate limited\",\"type\":\"rate_limit_exceeded\"}}"
                : ChatCompletionWire.Completion("gpt-test", "done", 10, 5, index).ToJsonString();
            http.Response.StatusCode = index == 0 ? 429 : 200;
            if (index == 0)
            {
                http.Response.AddHeader("Retry-After", _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            http.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await http.Response.OutputStream.WriteAsync(bytes);
            http.Response.Close();
        }
    }
}
