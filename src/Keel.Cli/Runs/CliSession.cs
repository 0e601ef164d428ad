using Microsoft.Extensions.Logging;

namespace Keel.Cli.Runs;

/// <summary>An orchestrator on the run store (a SQLite file or a PostgreSQL server) for one command, with the run's workers registered and its progress heard by a listener.</summary>
internal sealed class CliSession : IDisposable
{
    private readonly IRunStore _store;

    private CliSession(IRunStore store, Orchestrator orchestrator, string path)
    {
        _store = store;
        Orchestrator = orchestrator;
        StorePath = path;
    }

    public Orchestrator Orchestrator { get; }

    public string StorePath { get; }

    public IRunStore Store => _store;

    /// <summary>
    /// Opens the store; <paramref name="mustExist"/> refuses to create a missing file (for commands that only read);
    /// with <paramref name="driveDecisions"/> false an approval or a rejection is recorded and the run left to a worker.
    /// </summary>
    public static CliSession? Open(string? storeOption, IRunObserver? observer, bool mustExist, TextWriter error, int? maxConcurrentRuns = null, ILoggerFactory? logs = null, bool driveDecisions = true)
    {
        var path = StorePaths.Resolve(storeOption);
        var postgres = PostgresAddress.IsPostgres(path);
        if (!postgres && mustExist && !File.Exists(path))
        {
            error.WriteLine($"error: there is no run store at {path}. Start a run with 'keel run', or point to a store with --store.");
            return null;
        }

        IRunStore store;
        try
        {
            store = postgres ? Postgres(path) : SqliteRunStore.Open(path);
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            error.WriteLine("error: " + (postgres ? PostgresAddress.Redact(ex.Message, path) : ex.Message));
            return null;
        }

        var options = new OrchestratorOptions { RunStore = store, MaxConcurrentRuns = maxConcurrentRuns, DriveDecisions = driveDecisions };
        if (logs is not null)
        {
            options.LoggerFactory = logs;
        }

        if (observer is not null)
        {
            options.EventListeners.Add(new ProgressListener(observer));
        }

        return new CliSession(store, new Orchestrator(options), StorePaths.Display(path));
    }

    public void Register(IEnumerable<WorkerDefinition> workers)
    {
        foreach (var worker in workers)
        {
            Orchestrator.RegisterWorker(worker);
        }
    }

    /// <summary>
    /// A run by id, or by a prefix that names exactly one run. Throws <see cref="RunStoreDamagedException"/>
    /// when the run's stored definition no longer matches its content hash (damaged bytes).
    /// </summary>
    public async Task<RunRecord?> FindRunAsync(string idOrPrefix, TextWriter error, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idOrPrefix))
        {
            // An empty prefix would name every run: the first of them must not be shown, cancelled or decided by a typo.
            error.WriteLine("error: the run id is empty: give a run id or the start of one (keel runs lists them).");
            return null;
        }

        var run = await _store.GetRunAsync(idOrPrefix, cancellationToken).ConfigureAwait(false);
        if (run is not null)
        {
            return Intact(run);
        }

        var matches = (await _store.ListRunsAsync(new RunQuery { Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false))
            .Where(r => r.RunId.StartsWith(idOrPrefix, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (matches.Length == 1)
        {
            return Intact(matches[0]);
        }

        // A run's sub-workflow runs have ids that begin with its own (RUN:step:visit:n): a prefix of the run's id
        // names the run, as keel worker's lines show it, not its children too.
        if (matches.Length > 1 && matches.MinBy(r => r.RunId.Length) is { } root
            && matches.All(r => ReferenceEquals(r, root) || r.RunId.StartsWith(root.RunId + ":", StringComparison.Ordinal)))
        {
            return Intact(root);
        }

        error.WriteLine(matches.Length == 0
            ? $"error: no run '{idOrPrefix}' in {StorePath} (list runs with 'keel runs')."
            : $"error: '{idOrPrefix}' names {matches.Length} runs in {StorePath}; give more of the run id.");
        return null;
    }

    public void Dispose() => (_store as IDisposable)?.Dispose();

    /// <summary>Opens a PostgreSQL store and makes its schema ready, so a bad address or server fails here, named without its password.</summary>
    internal static PostgresRunStore Postgres(string address)
    {
        var store = PostgresRunStore.Open(address);
        try
        {
            store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The run, when its stored definition still hashes to the hash it was pinned with.</summary>
    private RunRecord Intact(RunRecord run)
    {
        if (!string.Equals(WorkflowDefinitionJson.Hash(run.DefinitionJson), run.DefinitionHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new RunStoreDamagedException(
                StorePath,
                $"the run store file '{StorePath}' is damaged: the stored definition of run '{run.RunId}' (workflow '{run.WorkflowName}') no longer matches "
                    + $"its content hash {run.DefinitionHash[..Math.Min(12, run.DefinitionHash.Length)]}, so its bytes changed after it was written. "
                    + "Keep a copy of the file before changing it; other runs may still be readable (keel runs).",
                unreadableRunIds: [run.RunId]);
        }

        return run;
    }
}
