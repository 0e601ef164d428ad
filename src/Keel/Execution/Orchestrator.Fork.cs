namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>The stored marker of a step-only fork (in its initial data): the parent attempt it re-runs.</summary>
    internal const string StepOnlyKey = "keel.step_only";

    /// <summary>
    /// Starts a new run from committed attempt <paramref name="sequence"/> of an earlier run: the history
    /// before it is copied (not paid for again), the data bus is as it was then, and the attempt at
    /// <paramref name="sequence"/> runs again on the currently registered workers and definition.
    /// </summary>
    public Task<WorkflowResult> ForkAsync(string runId, int sequence, IReadOnlyDictionary<string, object?>? data = null, bool verbose = false, CancellationToken cancellationToken = default)
        => ForkAsync(runId, sequence, new ForkOptions { Data = data, Verbose = verbose }, cancellationToken);

    /// <summary>
    /// Forks a run as <see cref="ForkAsync(string, int, IReadOnlyDictionary{string, object?}?, bool, CancellationToken)"/>
    /// does, with options: its edited data, its id, and <see cref="ForkOptions.StepOnly"/> to re-run one step
    /// without the steps after it. Drives the fork in the caller and returns its result.
    /// </summary>
#pragma warning disable RS0026 // Two overloads with optional parameters: the options overload is the full form, the other keeps the short form of the earlier releases.
    public async Task<WorkflowResult> ForkAsync(string runId, int sequence, ForkOptions options, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(options);
        var (record, prefix, compiled, workers) = await PrepareForkAsync(runId, sequence, options, pending: false, cancellationToken).ConfigureAwait(false);
        return await _driver.RunAsync(
            new RunStart { Kind = StartKind.Fork, RunId = record.RunId, Workflow = compiled, Workers = workers, Verbose = options.Verbose, Record = record, Prefix = prefix },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a fork (see <see cref="ForkAsync(string, int, ForkOptions, CancellationToken)"/>) as a pending run
    /// and returns at once, as <see cref="StartAsync"/> does: a worker loop in any process on the store drives it.
    /// </summary>
    public async Task<RunHandle> StartForkAsync(string runId, int sequence, ForkOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ForkOptions();
        var (record, prefix, _, _) = await PrepareForkAsync(runId, sequence, options, pending: true, cancellationToken).ConfigureAwait(false);
        await _store!.CreateRunAsync(record, prefix, cancellationToken).ConfigureAwait(false);
        // Its run_created event is stored with it; in-process listeners see the fork once a worker drives it.
        WakeWorkerLoops();
        return new RunHandle(this, record.RunId);
    }

    private async Task<(RunRecord Record, HistoryEntry[] Prefix, CompiledWorkflow Compiled, WorkerDefinition?[] Workers)> PrepareForkAsync(
        string runId, int sequence, ForkOptions options, bool pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var store = RequireStore("Forking a run");
        var parent = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        var history = await store.GetHistoryAsync(runId, cancellationToken).ConfigureAwait(false);
        if (sequence < 0 || sequence >= history.Count)
        {
            throw new KeelException($"Run '{runId}' has no committed attempt #{sequence} (it has {history.Count}, numbered from 0).");
        }

        var registration = _workflows.TryGetValue(parent.WorkflowName, out var found) ? found : null;
        var compiled = registration?.Compiled ?? CompiledWorkflow.Compile(WorkflowDefinitionJson.Deserialize(parent.DefinitionJson));
        var workers = registration is not null ? ResolveWorkers(registration) : ResolveWorkers(new Registration(compiled));
        var at = history[sequence];
        var index = compiled.TryIndexOf(at.StepId);
        if (index < 0)
        {
            throw new KeelException($"Cannot fork run '{runId}' at #{sequence}: step '{at.StepId}' is not in the registered definition of workflow '{compiled.Name}'.");
        }

        if (options.StepOnly && compiled.Steps[index].Kind != StepKind.Work)
        {
            throw new KeelException($"Cannot re-run step '{at.StepId}' of run '{runId}' (#{sequence}) alone: it is {(compiled.Steps[index].Kind == StepKind.Approval ? "an approval" : "a " + compiled.Steps[index].Kind.ToString().ToLowerInvariant())} step; fork the run there instead.");
        }

        var newId = options.RunId ?? _options.RunIdFactory();
        var prefix = new HistoryEntry[sequence];
        var visits = new HashSet<(string, int)>();
        for (var i = 0; i < sequence; i++)
        {
            prefix[i] = history[i] with { RunId = newId };
            visits.Add((history[i].StepId, history[i].Visit));
        }

        visits.Add((at.StepId, at.Visit));

        // The bus before the attempt forked from: the parent's entries' snapshots, or the data the parent itself
        // started from when it is a fork (ForkBases), then the edits.
        var bus = new DataBus(ForkBases.BusBefore(parent.InitialData, history, sequence));
        if (options.Data is { } data)
        {
            foreach (var pair in data)
            {
                bus.Set(pair.Key, pair.Value);
            }
        }

        var initial = new Dictionary<string, System.Text.Json.JsonElement>(parent.InitialData, StringComparer.Ordinal);
        initial.Remove(StepOnlyKey);
        initial.Remove(ForkBases.Key);
        if (options.StepOnly)
        {
            initial[StepOnlyKey] = KeelJson.Normalize(sequence);
        }

        // The parent's starting buses that still shape the copied entries, and this fork's own when it edits the data.
        var bases = ForkBases.Read(parent.InitialData).FindAll(b => b.Sequence <= sequence);
        if (options.Data is { Count: > 0 })
        {
            bases.Add(new ForkBases.Base(sequence, bus.Snapshot()));
        }

        if (bases.Count > 0)
        {
            initial[ForkBases.Key] = ForkBases.Write(bases);
        }

        var now = _time.GetUtcNow();
        var record = new RunRecord
        {
            RunId = newId,
            WorkflowName = compiled.Name,
            Goal = parent.Goal,
            State = pending ? WorkflowState.Pending : WorkflowState.Running,
            CurrentStep = at.StepId,
            Visit = at.Visit,
            Attempt = at.Attempt,
            StepsTaken = visits.Count,
            Data = bus.Snapshot(),
            InitialData = initial,
            DefinitionJson = compiled.Json,
            DefinitionHash = compiled.Hash,
            CreatedAt = now,
            UpdatedAt = now,
            ParentRunId = runId,
            ParentSequence = sequence,
            LeaseOwner = pending ? null : _options.OwnerId,
            LeaseExpires = pending ? null : store.Clock.GetUtcNow() + _options.LeaseDuration,
            Fence = pending ? 0 : 1,
            MaxTokens = parent.MaxTokens,
            MaxCost = parent.MaxCost,
        };
        return (record, prefix, compiled, workers);
    }
}
