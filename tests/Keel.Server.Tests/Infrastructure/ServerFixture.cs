using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Tests.Infrastructure;

/// <summary>A real Keel server on a free loopback port, on a SQLite file of its own (seen through a wrapper, if given).</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private readonly string _folder;
    private readonly SqliteRunStore _sqlite;

    private ServerFixture(string folder, KeelServer server, SqliteRunStore sqlite, CapturingLoggerFactory logs)
    {
        _folder = folder;
        Server = server;
        _sqlite = sqlite;
        Logs = logs;
        BaseAddress = server.Addresses[0];
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    public KeelServer Server { get; }

    public Uri BaseAddress { get; }

    public CapturingLoggerFactory Logs { get; }

    public string Folder => _folder;

    /// <summary>The server's SQLite file, underneath any wrapper.</summary>
    public SqliteRunStore Sqlite => _sqlite;

    public static async Task<ServerFixture> StartAsync(Action<KeelServerOptions>? configure = null, Func<string, Task>? gate = null, Func<IRunStore, IRunStore>? wrapStore = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "keel-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var sqlite = SqliteRunStore.Open(Path.Combine(folder, "keel.db"));
        var store = wrapStore?.Invoke(sqlite) ?? sqlite;

        var logs = new CapturingLoggerFactory();
        var options = new KeelServerOptions
        {
            RunStore = store,
            LoggerFactory = logs,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Configure = orchestrator => TestWorkflows.Register(orchestrator, gate),
        };
        options.Urls.Add("http://127.0.0.1:0");
        configure?.Invoke(options);
        var server = await KeelServer.StartAsync(options);
        return new ServerFixture(folder, server, sqlite, logs);
    }

    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
        => await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Polls the run until its state is one of <paramref name="states"/> (bounded by a generous timeout).</summary>
    public static async Task<JsonElement> WaitForStateAsync(HttpClient client, string runId, params string[] states)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{runId}", timeout.Token);
            var state = detail.GetProperty("run").GetProperty("state").GetString();
            if (states.Contains(state))
            {
                return detail;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _sqlite.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Keeps every log line written, to check that no secret reaches a log.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
