using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
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

    /// <summary>Runs <paramref name="workflowName"/> with the given options.</summary>
    public async Task<WorkflowResult> ExecuteWorkflowAsync(string workflowName, string? goal, ExecuteOptions options, CancellationToken cancellationToken = default)
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

        var runId = options.RunId ?? _options.RunIdFactory();
        var bus = new DataBus();
        if (options.Data is { } initial)
        {
            foreach (var pair in initial)
            {
                bus.Set(pair.Key, pair.Value);
            }
        }

        var context = new WorkflowContext(runId, compiled.Name, goal ?? compiled.Definition.Goal, bus, [], _services);
        var session = new RunSession(compiled, workers, context, LoggerFor(options.Verbose), options.Verbose)
        {
            StepIndex = compiled.Initial,
            MaxTokens = options.MaxTokens,
            MaxCost = options.MaxCost,
        };
        session.Visits[compiled.Initial] = 1;
        context.State = WorkflowState.Running;
        context.CurrentStep = compiled.Steps[compiled.Initial].StepId;

        if (_concurrency is not null)
        {
            await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (_store is not null)
            {
                var now = _time.GetUtcNow();
                var data = bus.Snapshot();
                await _store.CreateRunAsync(
                    new RunRecord
                    {
                        RunId = runId,
                        WorkflowName = compiled.Name,
                        Goal = context.Goal,
                        State = WorkflowState.Running,
                        CurrentStep = context.CurrentStep,
                        Data = data,
                        InitialData = data,
                        DefinitionJson = compiled.Json,
                        DefinitionHash = compiled.Hash,
                        CreatedAt = now,
                        UpdatedAt = now,
                        LeaseOwner = _options.OwnerId,
                        LeaseExpires = now + _options.LeaseDuration,
                        Fence = 1,
                        MaxTokens = options.MaxTokens,
                        MaxCost = options.MaxCost,
                    },
                    [],
                    cancellationToken).ConfigureAwait(false);
                session.Fence = 1;
                session.CommittedDataVersion = bus.Version;
            }

            if (session.Logger.IsEnabled(LogLevel.Information))
            {
                Log.RunStarted(session.Logger, runId, compiled.Name, context.CurrentStep, context.Goal);
            }

            return await DriveAsync(session, resumed: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _concurrency?.Release();
        }
    }

    private static readonly ExecuteOptions DefaultOptions = new();

    private static ExecuteOptions VerboseOptions(IReadOnlyDictionary<string, object?>? data) => new() { Verbose = true, Data = data };

    /// <summary>Drives a run from its current position until it ends, parks or is interrupted.</summary>
    private async ValueTask<WorkflowResult> DriveAsync(RunSession session, bool resumed, CancellationToken cancellationToken)
    {
        var context = session.Context;
        using var activity = KeelTelemetry.Source.HasListeners() ? StartRunActivity(session, resumed) : null;
        ITimer? heartbeat = null;
        var token = cancellationToken;
        if (_store is not null)
        {
            session.CancelSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            session.Ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            token = session.CancelSource.Token;
            _active[session.RunId] = session;
            _claims.TryAdd(session.RunId, 0);
            var period = _options.LeaseDuration / 3;
            heartbeat = _time.CreateTimer(static state => _ = ((HeartbeatState)state!).Beat(), new HeartbeatState(this, session), period, period);
        }

        try
        {
            while (session.StepIndex >= 0)
            {
                var step = session.Workflow.Steps[session.StepIndex];
                if (step.Kind == StepKind.Approval)
                {
                    await ParkAsync(session, step, token).ConfigureAwait(false);
                    break;
                }

                if (BudgetSpent(session) is { } reason)
                {
                    await EndWithoutAttemptAsync(session, WorkflowState.Failed, reason, token).ConfigureAwait(false);
                    break;
                }

                var delay = await RunAttemptAsync(session, step, session.Workers[session.StepIndex]!, cancellationToken, token).ConfigureAwait(false);
                if (delay > TimeSpan.Zero && session.StepIndex >= 0)
                {
                    try
                    {
                        await Task.Delay(delay, _time, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (session.CancelRequested && !cancellationToken.IsCancellationRequested)
                    {
                        await EndCancelledBetweenAttemptsAsync(session, step).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (session.Logger.IsEnabled(LogLevel.Warning))
            {
                Log.RunInterrupted(session.Logger, session.RunId, context.CurrentStep);
            }

            activity?.SetStatus(ActivityStatusCode.Error, "interrupted");
            throw;
        }
        finally
        {
            if (_store is not null)
            {
                heartbeat!.Dispose();
                try
                {
                    if (!session.LeaseLost && !session.LeaseReleased)
                    {
                        await _store.ReleaseLeaseAsync(session.RunId, _options.OwnerId, session.Fence, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _active.TryRemove(session.RunId, out _);
                    _claims.TryRemove(session.RunId, out _);
                    session.CancelSource!.Dispose();
                    session.Ended!.TrySetResult();
                }
            }
        }

        var result = BuildResult(session);
        RecordRunEnd(session, result, activity);
        return result;
    }

    private string? BudgetSpent(RunSession session)
    {
        var usage = session.Context.TotalUsage;
        if (usage is null)
        {
            return null;
        }

        if (session.MaxTokens is { } maxTokens && usage.TotalTokens > maxTokens)
        {
            return $"token budget of {maxTokens} exceeded ({usage.TotalTokens} used) before step '{session.Context.CurrentStep}'";
        }

        if (session.MaxCost is { } maxCost && usage.Cost is { } cost && cost > maxCost)
        {
            return $"cost budget of {maxCost} exceeded ({cost} spent) before step '{session.Context.CurrentStep}'";
        }

        return null;
    }

    private WorkflowResult BuildResult(RunSession session)
    {
        var context = session.Context;
        return new WorkflowResult(
            session.RunId,
            session.Workflow.Name,
            context.State,
            context.CurrentStep,
            context.GetLastOutput(),
            session.Error,
            context.History,
            context.Data.Snapshot(),
            context.TotalUsage,
            context.State == WorkflowState.WaitingForApproval ? session.Prompt : null);
    }

    private Activity? StartRunActivity(RunSession session, bool resumed)
    {
        var activity = KeelTelemetry.Source.StartActivity("invoke_workflow " + session.Workflow.Name, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag(KeelTelemetry.TagWorkflow, session.Workflow.Name);
            activity.SetTag(KeelTelemetry.TagRunId, session.RunId);
            activity.SetTag("gen_ai.operation.name", "invoke_workflow");
            if (resumed)
            {
                activity.SetTag("keel.run.resumed", true);
            }
        }

        return activity;
    }

    private static void RecordRunEnd(RunSession session, WorkflowResult result, Activity? activity)
    {
        var state = StateName(result.State);
        if (activity is not null)
        {
            activity.SetTag(KeelTelemetry.TagRunState, state);
            if (result.State == WorkflowState.Failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, result.Error);
            }
        }

        if (KeelTelemetry.Runs.Enabled)
        {
            KeelTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(KeelTelemetry.TagWorkflow, session.Workflow.Name), new KeyValuePair<string, object?>(KeelTelemetry.TagRunState, state));
        }

        if (session.Logger.IsEnabled(LogLevel.Information))
        {
            Log.RunEnded(session.Logger, session.RunId, result.State, result.CurrentStep, result.Error is null ? string.Empty : ": " + result.Error);
        }
    }

    internal static string StateName(WorkflowState state) => StableNames.Of(state);

    internal static string OutcomeName(AttemptOutcome outcome) => StableNames.Of(outcome);

    private sealed class HeartbeatState(Orchestrator owner, RunSession session)
    {
        private int _busy;

        public async Task Beat()
        {
            if (Interlocked.Exchange(ref _busy, 1) == 1)
            {
                return;
            }

            try
            {
                var expires = owner._time.GetUtcNow() + owner._options.LeaseDuration;
                if (!session.LeaseReleased
                    && !await owner._store!.RenewLeaseAsync(session.RunId, owner._options.OwnerId, session.Fence, expires, CancellationToken.None).ConfigureAwait(false)
                    && !session.LeaseReleased)
                {
                    session.LeaseLost = true;
                    Log.LeaseLost(session.Logger, session.RunId);
                    await session.CancelSource!.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // A missed beat is not fatal: the next one retries, and a commit with a stale
                // fencing token is refused by the store whatever happens here.
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }
    }
}
