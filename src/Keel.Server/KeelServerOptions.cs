using Microsoft.Extensions.Logging;

namespace Keel.Server;

/// <summary>How a <see cref="KeelServer"/> listens, whom it lets in and how it runs workflows. Every field has a documented default.</summary>
public sealed class KeelServerOptions
{
    /// <summary>The run store (required): SQLite for one machine, PostgreSQL for several.</summary>
    public IRunStore? RunStore { get; set; }

    /// <summary>Where to listen. Default <c>http://127.0.0.1:5080</c> (loopback only). Port 0 picks a free port.</summary>
    public IList<string> Urls { get; } = [];

    /// <summary>
    /// The API keys. A key is required on every <c>/v1</c> call when the server listens anywhere but
    /// loopback (it refuses to start without one), and on loopback when <see cref="RequireApiKeyOnLoopback"/>.
    /// </summary>
    public IList<ApiKey> ApiKeys { get; } = [];

    /// <summary>Require a key on loopback too (default false: loopback callers are trusted).</summary>
    public bool RequireApiKeyOnLoopback { get; set; }

    /// <summary>
    /// Run a worker loop in this process (default true): it drives the runs started through the API (stored
    /// pending), forks, re-runs and resumed pauses, and claims runs abandoned by a stopped process. False: this
    /// process only records and serves, decisions included; <c>keel worker</c> processes on the same store
    /// drive every run.
    /// </summary>
    public bool RunWorkerLoop { get; set; } = true;

    /// <summary>Most runs driven at once by this process. Default 32.</summary>
    public int MaxConcurrentRuns { get; set; } = 32;

    /// <summary>The largest request body accepted, in bytes (413 above it). Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How often the server looks for changes made by other processes and for passed approval deadlines. Default 1 second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Reads definitions posted to <c>/v1/definitions</c>. Default: Keel's canonical JSON, with no workers.</summary>
    public IDefinitionReader? DefinitionReader { get; set; }

    /// <summary>Makes the planning service of <c>/v1/plans</c> over the server's orchestrator. Default: the catalog planner, plans kept in memory.</summary>
    public Func<Orchestrator, OrchestrationService>? Planning { get; set; }

    /// <summary>Registers workers and workflows on the server's orchestrator before it starts.</summary>
    public Action<Orchestrator>? Configure { get; set; }

    /// <summary>Where posted definitions are kept (one JSON file a version), so a restarted server knows them. Default: memory only.</summary>
    public string? DefinitionsFolder { get; set; }

    /// <summary>A folder of the dashboard's static files to serve instead of those built into Keel.Server (its <c>index.html</c> and assets). Default: the built-in ones.</summary>
    public string? WebRoot { get; set; }

    /// <summary>The clock. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where logs go. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>This process's name on leases. Default: the orchestrator's.</summary>
    public string? OwnerId { get; set; }
}
