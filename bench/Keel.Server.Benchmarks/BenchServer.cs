using System.Net.Http.Json;

namespace Keel.Server.Benchmarks;

/// <summary>A Keel server on a loopback port over a SQLite file of its own, with its worker loop, and the two workflows measured.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string Quick = "quick";
    public const string Gated = "gated";

    private readonly string _directory;
    private readonly SqliteRunStore _store;

    private BenchServer(string directory, SqliteRunStore store, KeelServer server)
    {
        _directory = directory;
        _store = store;
        Server = server;
        Client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromMinutes(2) };
    }

    public KeelServer Server { get; }

    public HttpClient Client { get; }

    public Orchestrator Orchestrator => Server.Orchestrator;

    public static async Task<BenchServer> StartAsync()
    {
        var directory = Path.Combine(Environment.GetEnvironmentVariable("KEEL_BENCH_DIR") ?? Path.GetTempPath(), "keel-bench-server", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var store = SqliteRunStore.Open(Path.Combine(directory, "keel.db"));
        var options = new KeelServerOptions { RunStore = store, MaxConcurrentRuns = 64, Configure = Register };
        options.Urls.Add("http://127.0.0.1:0");
        return new BenchServer(directory, store, await KeelServer.StartAsync(options));
    }

    /// <summary>Two function steps (quick), and one function step before an approval (gated).</summary>
    public static void Register(Orchestrator orchestrator)
    {
        var writer = new WorkerType("writer");
        var publisher = new WorkerType("publisher");
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(writer, "Writer", (input, context) => new { draft = "draft of " + context.Goal }, "Writes"));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(publisher, "Publisher", (input, context) => new { published = true }, "Publishes"));
        var quick = new WorkflowDefinition(Quick, "Write then publish", "Write something");
        quick.AddStep(new WorkflowStep("write", writer, "Write", onSuccess: "publish"), isInitial: true);
        quick.AddStep(new WorkflowStep("publish", publisher, "Publish"));
        orchestrator.RegisterWorkflow(quick);
        var gated = new WorkflowDefinition(Gated, "Write, sign off", "Write something");
        gated.AddStep(new WorkflowStep("write", writer, "Write", onSuccess: "sign_off"), isInitial: true);
        gated.AddStep(WorkflowStep.Approval("sign_off", "Ship it?", onApproved: "complete", onRejected: "failed"));
        orchestrator.RegisterWorkflow(gated);
    }

    /// <summary>Starts a run over HTTP and returns its id.</summary>
    public async Task<string> StartOverHttpAsync(string workflow)
    {
        using var response = await Client.PostAsJsonAsync("/v1/runs", new { workflow, goal = "bench" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Waits, through the store's watch in this process, until the run ends or parks.</summary>
    public async Task WaitAsync(string runId, bool parked = false)
    {
        await foreach (var runEvent in Orchestrator.WatchAsync(runId))
        {
            if (runEvent is RunEnded || (parked && runEvent is RunParked))
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _store.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
