using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel;

/// <summary>
/// The hub: registers workers and workflows, executes runs on the deterministic state machine, records
/// every attempt, and (with a run store) resumes, approves, cancels and forks runs.
/// Thread-safe: any number of runs may execute at once.
/// </summary>
public sealed partial class Orchestrator
{
    private readonly Lock _gate = new();
    private readonly OrchestratorOptions _options;
    private readonly TimeProvider _time;
    private readonly IRunStore? _store;
    private readonly IServiceProvider? _services;
    private readonly ILogger _logger;
    private readonly RunEventListener[] _listeners;
    private readonly RunOwner _driver;
    private Dictionary<WorkerType, WorkerDefinition> _workers = [];
    private Dictionary<string, Registration> _workflows = new(StringComparer.Ordinal);
    private int _registryVersion;

    /// <summary>An orchestrator with the default options: no run store, system clock, no logger.</summary>
    public Orchestrator()
        : this(new OrchestratorOptions())
    {
    }

    /// <summary>An orchestrator with the given options (read once: later changes to them have no effect).</summary>
    public Orchestrator(OrchestratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = options.TimeProvider;
        _store = options.RunStore;
        _logger = options.LoggerFactory?.CreateLogger("Keel") ?? NullLogger.Instance;
        _services = options.Services is null or SpokeServiceProvider ? options.Services : new SpokeServiceProvider(options.Services);
        _listeners = [TelemetryListener.Instance, .. options.EventListeners];
        SemaphoreSlim? slots = null;
        if (options.MaxConcurrentRuns is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(options.MaxConcurrentRuns));
            slots = new SemaphoreSlim(max, max);
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LeaseDuration, TimeSpan.Zero, nameof(options.LeaseDuration));
        _driver = new RunOwner(this, slots);
    }

    /// <summary>An orchestrator with <paramref name="configure"/> applied to the default options.</summary>
    public static Orchestrator Create(Action<OrchestratorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OrchestratorOptions();
        configure(options);
        return new Orchestrator(options);
    }

    /// <summary>The run store, when one is configured.</summary>
    public IRunStore? RunStore => _store;

    /// <summary>The registered workers by type, as this moment's snapshot (parallel branches resolve theirs from it).</summary>
    internal IReadOnlyDictionary<WorkerType, WorkerDefinition> RegisteredWorkers => _workers;

    /// <summary>The registered workers.</summary>
    public IReadOnlyCollection<WorkerDefinition> Workers => _workers.Values;

    /// <summary>The registered workflow definitions.</summary>
    public IReadOnlyCollection<WorkflowDefinition> Workflows => _workflows.Values.Select(r => r.Compiled.Definition).ToArray();

    /// <summary>Registers a worker for its type; a later registration for the same type replaces it.</summary>
    public Orchestrator RegisterWorker(WorkerDefinition worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        worker.Validate();
        lock (_gate)
        {
            var copy = new Dictionary<WorkerType, WorkerDefinition>(_workers) { [worker.WorkerType] = worker };
            _workers = copy;
            _registryVersion++;
        }

        return this;
    }

    /// <summary>
    /// Validates and registers a workflow (a snapshot: later changes to <paramref name="workflow"/> do not
    /// affect it). Throws <see cref="WorkflowValidationException"/> naming every problem.
    /// </summary>
    public Orchestrator RegisterWorkflow(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var compiled = CompiledWorkflow.Compile(workflow);
        lock (_gate)
        {
            var copy = new Dictionary<string, Registration>(_workflows, StringComparer.Ordinal) { [compiled.Name] = new Registration(compiled) };
            _workflows = copy;
        }

        return this;
    }

    /// <summary>The registered definition of <paramref name="workflowName"/>, or null.</summary>
    public WorkflowDefinition? GetWorkflow(string workflowName)
        => _workflows.TryGetValue(workflowName, out var registration) ? registration.Compiled.Definition.Clone() : null;

    internal OrchestratorOptions Options => _options;

    internal TimeProvider Time => _time;

    internal IRunStore? Store => _store;

    internal IServiceProvider? Services => _services;

    internal ILogger Logger => _logger;

    /// <summary>The hashes of the registered definitions (what a worker loop claims).</summary>
    internal IReadOnlyCollection<string> RegisteredHashes => _workflows.Values.Select(r => r.Compiled.Hash).ToArray();

    private Registration FindWorkflow(string workflowName)
        => _workflows.TryGetValue(workflowName, out var registration)
            ? registration
            : throw new KeelException($"Workflow '{workflowName}' is not registered (registered: {string.Join(", ", _workflows.Keys.Order(StringComparer.Ordinal))}).");

    /// <summary>Resolves the worker of every work step, or says which types have no worker.</summary>
    internal WorkerDefinition?[] ResolveWorkers(Registration registration)
    {
        var cached = registration.Resolved;
        var version = Volatile.Read(ref _registryVersion);
        if (cached is not null && cached.Version == version)
        {
            return cached.Workers;
        }

        var workers = _workers;
        var steps = registration.Compiled.Steps;
        var resolved = new WorkerDefinition?[steps.Length];
        List<string>? missing = null;
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i].Kind == StepKind.Parallel)
            {
                foreach (var branch in steps[i].Branches!)
                {
                    if (!workers.ContainsKey(branch.WorkerType))
                    {
                        (missing ??= []).Add($"'{branch.WorkerType}' (branch '{steps[i].StepId}/{branch.Name}')");
                    }
                }

                continue;
            }

            if (steps[i].Kind is not (StepKind.Work or StepKind.Map))
            {
                continue;
            }

            if (workers.TryGetValue(steps[i].WorkerType, out var worker))
            {
                resolved[i] = worker;
            }
            else
            {
                (missing ??= []).Add($"'{steps[i].WorkerType}' (step '{steps[i].StepId}')");
            }
        }

        if (missing is not null)
        {
            throw new KeelException($"Workflow '{registration.Compiled.Name}' cannot run: no worker is registered for worker type {string.Join(", ", missing)}.");
        }

        registration.Resolved = new ResolvedWorkers(version, resolved);
        return resolved;
    }

    internal ILogger LoggerFor(bool verbose)
        => verbose && _options.LoggerFactory is null ? ConsoleLoggerFactory.Instance.CreateLogger("Keel") : _logger;

    private IRunStore RequireStore(string operation)
        => _store ?? throw new KeelException($"{operation} needs a run store: set OrchestratorOptions.RunStore (InMemoryRunStore, or UseSqlite from Keel.Sqlite).");

    internal sealed class Registration(CompiledWorkflow compiled)
    {
        public CompiledWorkflow Compiled { get; } = compiled;

        public ResolvedWorkers? Resolved { get; set; }
    }

    internal sealed record ResolvedWorkers(int Version, WorkerDefinition?[] Workers);
}
