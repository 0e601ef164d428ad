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

    /// <summary>
    /// This orchestrator's name on leases. Default: host name, process id and a random suffix
    /// (<c>host:pid:suffix</c>): a worker loop on the same host takes over at once the runs of a process that is gone.
    /// </summary>
    public string OwnerId { get; set; } = OwnerIds.ForThisProcess();

    /// <summary>How long a lease lasts without a heartbeat. Default 30 seconds; renewed every third of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an attempt runs before its <see cref="AttemptStarted"/> event is committed on its own, so that a
    /// watcher in another process (<c>keel watch</c>, a server's event stream, the dashboard) sees the attempt
    /// while it runs and the run as running. Default 1 second: an attempt that ends sooner writes the event with
    /// its record, in one commit, and a longer one pays one more commit beside its own time.
    /// <see cref="Timeout.InfiniteTimeSpan"/> writes it only with the attempt's record; with no store it has no effect.
    /// </summary>
    public TimeSpan AttemptStartCommitDelay
    {
        get => _attemptStartCommitDelay;
        set => _attemptStartCommitDelay = value >= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "AttemptStartCommitDelay must be zero or more, or Timeout.InfiniteTimeSpan.");
    }

    private TimeSpan _attemptStartCommitDelay = TimeSpan.FromSeconds(1);

    /// <summary>Most runs executing at once in this orchestrator; more wait their turn. Default: unbounded.</summary>
    public int? MaxConcurrentRuns { get; set; }

    /// <summary>
    /// Holds <see cref="AttemptLimits.PerWorkflow"/> for every run this orchestrator drives: before its first
    /// attempt a run waits, under its lease and in its capacity slot, until its workflow has fewer runs driven
    /// than the limit (across the cluster, with a limiter every process shares: the PostgreSQL one). Default:
    /// none, and runs are bounded by capacity only.
    /// </summary>
    public IAttemptLimiter? RunLimiter { get; set; }

    /// <summary>Services handed to workers through <see cref="WorkflowContext.Services"/>.</summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>Generates run ids. Default: a new random (version 4) GUID, 32 hex digits.</summary>
    public Func<string> RunIdFactory { get; set; } = RunIds.New;

    /// <summary>Listeners that see every event of every run this orchestrator drives (logs, metrics, progress). Default: none.</summary>
    public IList<RunEventListener> EventListeners { get; } = new List<RunEventListener>();

    /// <summary>
    /// Whether the caller of an approval or rejection drives the rest of the run when no worker loop runs in
    /// this orchestrator. Default true. False: the decision is recorded, its lease given back, and the rest is left to
    /// any worker loop on the store (a server that serves without a worker, beside <c>keel worker</c> processes).
    /// </summary>
    public bool DriveDecisions { get; set; } = true;
}

/// <summary>How a worker loop claims runs (<see cref="Orchestrator.RunWorkerLoopAsync"/>). Every field has a documented default.</summary>
public sealed class WorkerLoopOptions
{
    /// <summary>How long the loop waits for news before it looks for claimable runs again. Default 1 second.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most runs driven at once by the loop when the orchestrator has no <see cref="OrchestratorOptions.MaxConcurrentRuns"/>. Default 16.</summary>
    public int MaxConcurrentRuns { get; init; } = 16;

    /// <summary>Stop once nothing is left to claim (a one-shot recovery) instead of waiting for more. Default false.</summary>
    public bool StopWhenIdle { get; init; }
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

    /// <summary>The parent run of a child run (a sub-workflow step's attempt).</summary>
    internal string? ParentRunId { get; init; }
}

/// <summary>Options of a resume.</summary>
public sealed class ResumeOptions
{
    /// <summary>
    /// Resume even when the registered definition differs from the one the run is pinned to (the run
    /// then continues on the registered one). Default false: a changed definition is refused.
    /// </summary>
    public bool AllowDefinitionChange { get; init; }

    /// <summary>Logs every transition (to the configured logger, else the console).</summary>
    public bool Verbose { get; init; }

    /// <summary>Overrides the token budget stored with the run (default: the stored one).</summary>
    public long? MaxTokens { get; init; }

    /// <summary>Overrides the cost budget stored with the run (default: the stored one).</summary>
    public decimal? MaxCost { get; init; }
}

/// <summary>Options of a fork (<see cref="Orchestrator.ForkAsync(string, int, ForkOptions, CancellationToken)"/>). Every field is optional.</summary>
public sealed class ForkOptions
{
    /// <summary>Data bus values set on the fork before its first attempt (its edited input). Default: none.</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }

    /// <summary>
    /// Run only the attempt at the fork's sequence, once, and end there: the new run is completed when that
    /// attempt succeeds and failed (with the attempt's error) otherwise; no retry, no step after it. The choice
    /// is stored with the run, so a resumed step-only fork stops after the step too. Refused for approval,
    /// parallel and map steps. Default false: the fork continues along the definition.
    /// </summary>
    public bool StepOnly { get; init; }

    /// <summary>The new run's id. Default: the orchestrator's <see cref="OrchestratorOptions.RunIdFactory"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>Logs every transition (to the configured logger, else the console).</summary>
    public bool Verbose { get; init; }
}
