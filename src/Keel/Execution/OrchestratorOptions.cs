using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>How an orchestrator runs. Every field has a documented default.</summary>
public sealed class OrchestratorOptions
{
    /// <summary>The clock for timestamps, timeouts, retry delays and leases. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where logs go. Default: none, or a console logger when a run is verbose.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Where runs are recorded. Default: none, so runs live only in the returned result (fastest).
    /// Resume, approvals, cancel and fork need a store: <see cref="InMemoryRunStore"/> or the SQLite store.
    /// </summary>
    public IRunStore? RunStore { get; set; }

    /// <summary>This process's name on leases. Default: host name, process id and a random suffix.</summary>
    public string OwnerId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];

    /// <summary>How long a lease lasts without a heartbeat. Default 30 seconds; renewed every third of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most runs executing at once in this orchestrator; more wait their turn. Default: unbounded.</summary>
    public int? MaxConcurrentRuns { get; set; }

    /// <summary>Services handed to workers through <see cref="WorkflowContext.Services"/>.</summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>Generates run ids. Default: a new GUID, 32 hex digits.</summary>
    public Func<string> RunIdFactory { get; set; } = static () => Guid.NewGuid().ToString("N");
}

/// <summary>Options of one execution. Every field is optional.</summary>
public sealed class ExecuteOptions
{
    /// <summary>Logs every transition (to the configured logger, else the console).</summary>
    public bool Verbose { get; init; }

    /// <summary>The initial data bus.</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }

    /// <summary>The run id to use (default: generated).</summary>
    public string? RunId { get; init; }

    /// <summary>Stops the run as failed, before the next attempt, once its reported tokens exceed this.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>Stops the run as failed, before the next attempt, once its reported cost exceeds this.</summary>
    public decimal? MaxCost { get; init; }
}

/// <summary>Options of a resume.</summary>
public sealed class ResumeOptions
{
    /// <summary>
    /// Resume even when the registered definition differs from the one the run is pinned to (the run
    /// then continues on the registered one). Default false: a changed definition is refused.
    /// </summary>
    public bool AllowDefinitionChange { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Overrides the token budget stored with the run (default: the stored one).</summary>
    public long? MaxTokens { get; init; }

    /// <summary>Overrides the cost budget stored with the run (default: the stored one).</summary>
    public decimal? MaxCost { get; init; }
}
