using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    private static readonly ExecuteOptions DefaultOptions = new();

    /// <summary>
    /// Runs <paramref name="workflowName"/> to its end (or to an approval step) and returns the result.
    /// Cancelling <paramref name="cancellationToken"/> interrupts the run: the attempt in flight is not
    /// recorded, an <see cref="OperationCanceledException"/> is thrown, and with a run store the run stays resumable.
    /// </summary>
    public Task<WorkflowResult> ExecuteWorkflowAsync(
        string workflowName,
        string? goal = null,
        bool verbose = false,
        IReadOnlyDictionary<string, object?>? data = null,
        CancellationToken cancellationToken = default)
        => ExecuteWorkflowAsync(workflowName, goal, verbose ? VerboseOptions(data) : data is null ? DefaultOptions : new ExecuteOptions { Data = data }, cancellationToken);

    /// <summary>Runs <paramref name="workflowName"/> with the given options, in the caller: create, drive, return the result.</summary>
    public Task<WorkflowResult> ExecuteWorkflowAsync(string workflowName, string? goal, ExecuteOptions options, CancellationToken cancellationToken = default)
    {
        // Not an async method: the driver's task is returned as it is (one task per run, not two); a bad
        // argument still faults the returned task rather than throwing from the call.
        RunSession session;
        RunRecord? record;
        try
        {
            (record, session) = NewRun(workflowName, goal, options, pending: false);
            if (session.Logger.IsEnabled(LogLevel.Information))
            {
                Log.RunStarted(session.Logger, session.RunId, session.Workflow.Name, session.Context.CurrentStep, session.Context.Goal);
            }
        }
        catch (Exception ex)
        {
            return Task.FromException<WorkflowResult>(ex);
        }

        // Without a store, a fresh run is its session alone: no start request is made for it.
        return record is null ? _driver.RunAsync(RunStart.FreshInMemory, session, cancellationToken) : _driver.RunAsync(FreshStart(record, session), cancellationToken);
    }

    /// <summary>The start request of a fresh run to store (created holding this process's lease).</summary>
    private static RunStart FreshStart(RunRecord record, RunSession session)
        => new() { Kind = StartKind.Fresh, RunId = record.RunId, Workflow = session.Workflow, Workers = session.Workers, Verbose = session.Verbose, Record = record, Session = session };

    /// <summary>
    /// Stores a new run as pending and returns at once, without driving it: a worker loop (this process's,
    /// <see cref="RunWorkerLoopAsync"/> or <c>AddKeel(k => k.AddWorkerLoop())</c>, or another process's
    /// <c>keel worker</c>) claims and drives it. The handle waits for the result, watches the events, cancels.
    /// </summary>
    public async Task<RunHandle> StartAsync(string workflowName, string? goal = null, ExecuteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var store = RequireStore("Starting a run");
        var (record, session) = NewRun(workflowName, goal, options ?? DefaultOptions, pending: true);
        await store.CreateRunAsync(record!, [], cancellationToken).ConfigureAwait(false);
        _driver.Publish(session, RunCreated.For(record!));
        WakeWorkerLoops();
        return new RunHandle(this, record!.RunId);
    }

    /// <summary>A fresh run's session at the initial step, and with a store the run to store (holding this process's lease unless pending).</summary>
    private (RunRecord? Record, RunSession Session) NewRun(string workflowName, string? goal, ExecuteOptions options, bool pending)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        ArgumentNullException.ThrowIfNull(options);
        var registration = FindWorkflow(workflowName);
        var compiled = registration.Compiled;
        var workers = ResolveWorkers(registration);
        if (_store is null && compiled.HasApprovalSteps)
        {
            throw new KeelException($"Workflow '{workflowName}' has approval steps: a waiting run must be stored, so configure OrchestratorOptions.RunStore.");
        }

        if (options.RunId is { } chosen && string.IsNullOrWhiteSpace(chosen))
        {
            throw new ArgumentException("A run id must not be empty or white space.", nameof(options));
        }

        var runId = options.RunId ?? _options.RunIdFactory();
        var bus = new DataBus();
        if (options.Data is { } initial)
        {
            foreach (var pair in initial)
            {
                bus.Set(pair.Key, pair.Value);
            }
        }

        var context = new WorkflowContext(runId, compiled.Name, goal ?? compiled.Definition.Goal, bus, new List<HistoryEntry>(compiled.HistoryCapacity), _services);
        var session = new RunSession(compiled, workers, context, LoggerFor(options.Verbose), options.Verbose)
        {
            MaxTokens = options.MaxTokens,
            MaxCost = options.MaxCost,
        };
        session.Position = RunPosition.Start(compiled);
        RunRecord? record = null;
        if (_store is not null)
        {
            var now = _time.GetUtcNow();
            var data = bus.Snapshot();
            record = new RunRecord
            {
                RunId = runId,
                WorkflowName = compiled.Name,
                Goal = context.Goal,
                State = pending ? WorkflowState.Pending : WorkflowState.Running,
                CurrentStep = context.CurrentStep,
                Data = data,
                InitialData = data,
                DefinitionJson = compiled.Json,
                DefinitionHash = compiled.Hash,
                CreatedAt = now,
                UpdatedAt = now,
                LeaseOwner = pending ? null : _options.OwnerId,
                LeaseExpires = pending ? null : _store.Clock.GetUtcNow() + _options.LeaseDuration,
                Fence = pending ? 0 : 1,
                MaxTokens = options.MaxTokens,
                MaxCost = options.MaxCost,
                ParentRunId = options.ParentRunId,
            };
        }

        return (record, session);
    }

    private static ExecuteOptions VerboseOptions(IReadOnlyDictionary<string, object?>? data) => new() { Verbose = true, Data = data };

    internal WorkflowResult BuildResult(RunSession? session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var context = session.Context;
        return new WorkflowResult(
            session.RunId,
            session.Workflow.Name,
            context.State,
            context.CurrentStep,
            context.GetLastOutput(),
            session.Position.Error,
            context.History,
            context.Data.Snapshot(),
            context.TotalUsage,
            context.State == WorkflowState.WaitingForApproval ? session.Prompt ?? PromptOf(session) : null);
    }

    private static string? PromptOf(RunSession session)
        => session.Position.AtStep ? session.Workflow.Steps[session.Position.StepIndex].Prompt : null;

    internal static string StateName(WorkflowState state) => StableNames.Of(state);

    internal static string OutcomeName(AttemptOutcome outcome) => StableNames.Of(outcome);
}
