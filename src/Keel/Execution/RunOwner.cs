using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>
/// The one owner of a run in this process. Fresh runs, resumes, claims by a worker loop, approvals, forks,
/// cancellations and pauses all come through <see cref="RunAsync(RunStart, RunSession, CancellationToken)"/>, which takes the run's in-process
/// claim, then its capacity slot, then its lease, keeps the lease alive with a heartbeat, and gives all
/// of them back in one <c>finally</c>. <see cref="LoopAsync"/> drives the run: the one place a step is executed.
/// </summary>
internal sealed partial class RunOwner
{
    private readonly Orchestrator _hub;
    private readonly SemaphoreSlim? _slots;
    private readonly IRunStore? _store;
    private readonly OrchestratorOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, RunSession?> _owned = new(StringComparer.Ordinal);

    public RunOwner(Orchestrator hub, SemaphoreSlim? slots)
    {
        _hub = hub;
        _slots = slots;
        _store = hub.Store;
        _options = hub.Options;
        _time = hub.Time;
    }

    /// <summary>The capacity slots (null: unbounded).</summary>
    public SemaphoreSlim? Slots => _slots;

    /// <summary>The session of a run this process drives now, or null.</summary>
    public RunSession? Active(string runId) => _owned.TryGetValue(runId, out var session) ? session : null;

    /// <summary>The runs this process owns now.</summary>
    public IReadOnlyCollection<string> OwnedRuns => _owned.Keys.ToArray();

    /// <summary>True while this process owns the run (driving it, or about to).</summary>
    public bool Owns(string runId) => _owned.ContainsKey(runId);

    /// <summary>Owns the run for what <paramref name="start"/> asks, then gives everything back.</summary>
    public Task<WorkflowResult> RunAsync(RunStart start, CancellationToken cancellationToken) => RunAsync(start, start.Session, cancellationToken);

    /// <summary>
    /// Owns the run for what <paramref name="start"/> asks, then gives everything back; a fresh run brings its
    /// <paramref name="fresh"/> session (beside <see cref="RunStart.FreshInMemory"/> when there is no store).
    /// </summary>
    public async Task<WorkflowResult> RunAsync(RunStart start, RunSession? fresh, CancellationToken cancellationToken)
    {
        var runId = fresh?.RunId ?? start.RunId;
        var hasSlot = start.HoldsSlot;
        if (_store is not null && !_owned.TryAdd(runId, null))
        {
            if (hasSlot)
            {
                _slots?.Release();
            }

            throw await OwnedElsewhereAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        RunSession? session = null;
        ITimer? heartbeat = null;
        IAsyncDisposable? runPermit = null;
        try
        {
            // The capacity slot first: a run queued behind a full orchestrator holds no lease.
            if (start.Drive && !hasSlot && !start.SharesSlot && _slots is not null)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                hasSlot = true;
            }

            // The lease second: taken (or the run created holding it), then the position loaded under it.
            session = _store is null && fresh is not null ? fresh : await OpenAsync(start, cancellationToken).ConfigureAwait(false);
            if (_store is not null)
            {
                session.CancelSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                session.Ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _owned[runId] = session;
                var period = _options.LeaseDuration / 3;
                heartbeat = _time.CreateTimer(static state => _ = ((Heartbeat)state!).BeatAsync(), new Heartbeat(this, session), period, period);
            }

            // A decision that drives the run on is part of that drive: its events (and the run's end, when the
            // decision ends it) fall in the run's span, as the attempts after it do.
            if (start.Kind == StartKind.Decision && start.Drive)
            {
                session.Driving = true;
                session.Resumed = true;
            }

            await PrepareAsync(start, session).ConfigureAwait(false);
            if (start.Drive && session.Position is { AtStep: true, State: WorkflowState.Running })
            {
                // The workflow's run limit third, under the lease (the heartbeat keeps it while the run waits).
                if (_options.RunLimiter is { } limiter)
                {
                    try
                    {
                        runPermit = await limiter.AcquireRunAsync(session.Workflow.Name, session.CancelSource?.Token ?? cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (session.LeaseLost && !cancellationToken.IsCancellationRequested)
                    {
                        throw new RunOwnedElsewhereException(runId, null, null);
                    }
                }

                session.Driving = true;
                // A run started pending and claimed for its first drive (no history, nobody held it before) is fresh.
                session.Resumed = start.Kind is not (StartKind.Fresh or StartKind.Fork)
                    && !(start.Kind == StartKind.Claimed && start.PreviousOwner is null && session.Context.MutableHistory.Count == 0);
                await LoopAsync(session, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && session is not null)
        {
            TelemetryListener.DriveStopped(session, byCaller: true);
            throw;
        }
        catch
        {
            if (session is not null)
            {
                TelemetryListener.DriveStopped(session, byCaller: false);
            }

            throw;
        }
        finally
        {
            if (runPermit is not null)
            {
                await runPermit.DisposeAsync().ConfigureAwait(false);
            }

            if (session is not null && _store is not null)
            {
                await session.ChildWorkAsync(_options.LeaseDuration).ConfigureAwait(false);
            }

            heartbeat?.Dispose();
            try
            {
                if (session is not null && _store is not null && !session.LeaseLost && !session.LeaseReleased)
                {
                    await _store.ReleaseLeaseAsync(runId, _options.OwnerId, session.Fence, CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                if (hasSlot)
                {
                    _slots!.Release();
                }

                if (_store is not null)
                {
                    _owned.TryRemove(runId, out _);
                    session?.CancelSource?.Dispose();
                    session?.Ended?.TrySetResult();
                }
            }
        }

        var result = _hub.BuildResult(session);
        if (start.Drive)
        {
            TelemetryListener.DriveStopped(session!, byCaller: false);
        }

        return result;
    }

    /// <summary>Drives the run from its position until it ends, parks, pauses or is interrupted.</summary>
    private async Task LoopAsync(RunSession session, CancellationToken callerToken)
    {
        var runToken = session.CancelSource?.Token ?? callerToken;
        session.CallerToken = callerToken;
        var carried = -1L;
        while (session.Position is { AtStep: true, State: WorkflowState.Running })
        {
            // The caller's token is checked before every attempt, even when workers complete synchronously.
            callerToken.ThrowIfCancellationRequested();
            if (session.Control == RunControl.Cancel)
            {
                await CancelHereAsync(session).ConfigureAwait(false);
                break;
            }

            if (session.Control == RunControl.Pause)
            {
                await PauseHereAsync(session).ConfigureAwait(false);
                break;
            }

            var step = session.Workflow.Steps[session.Position.StepIndex];
            if (step.Kind == StepKind.Approval)
            {
                await ParkAsync(session, step).ConfigureAwait(false);
                break;
            }

            if (BudgetSpent(session) is { } reason)
            {
                session.Position = Router.Stopped(session.Position, reason);
                await CommitAsync(session, null, DataChanged(session), [Ended(session)]).ConfigureAwait(false);
                break;
            }

            if (step.Kind is StepKind.Parallel or StepKind.Map)
            {
                carried = -1;
                await RunFanOutAsync(session, step, callerToken, runToken).ConfigureAwait(false);
                continue;
            }

            (var delay, carried) = await ExecuteStepAsync(session, step, session.Workers[session.Position.StepIndex]!, carried, callerToken, runToken).ConfigureAwait(false);
            if (delay > TimeSpan.Zero && session.Position.AtStep && session.Position.State == WorkflowState.Running)
            {
                carried = -1;
                try
                {
                    await Task.Delay(delay, _time, runToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (session.CancelRequested && !callerToken.IsCancellationRequested)
                {
                    // Cancelled between attempts: the loop records it.
                }
                catch (OperationCanceledException) when (session.LeaseLost && !callerToken.IsCancellationRequested)
                {
                    throw new RunOwnedElsewhereException(session.RunId, null, null);
                }
            }
        }
    }

    /// <summary>
    /// Runs one attempt of <paramref name="step"/>, records it, routes, commits. Returns the delay before a retry
    /// (zero otherwise). When nobody takes the run's events and the worker completes at once, the attempt is run
    /// and recorded here, synchronously, with no state machine; otherwise it ends in <see cref="EndStepAsync"/>.
    /// </summary>
    private ValueTask<StepEnd> ExecuteStepAsync(RunSession session, WorkflowStep step, WorkerDefinition worker, long carried, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        var at = session.Position;
        context.Attempt = _hub.PreviousAttempt(session, step, at.Attempt);
        context.Feedback = Feedback.Find(session.Workflow, context.MutableHistory, step, at.Visit);
        var workerName = step.Kind == StepKind.SubWorkflow ? Orchestrator.ChildRunId(session.RunId, step.StepId, at.Visit, at.Attempt) : worker.Name;

        // An attempt that follows an unobserved one with nothing waited for between them starts at the clock
        // read that ended the previous one (docs/performance.md): one monotonic read per attempt, not two.
        var timestamp = carried >= 0 ? carried : _time.GetTimestamp();
        var startedAt = session.WallClockAt(timestamp, _time);

        // Events are built only when someone takes them (a store or a listener); unseen, only their numbers are taken.
        var observed = Observed(session);
        AttemptStarted? started = null;
        if (observed)
        {
            // Published now, written with the attempt's checkpoint (the first of its events, published already).
            started = new AttemptStarted
            {
                RunId = session.RunId,
                Sequence = session.NextEvent(),
                Timestamp = startedAt,
                StepId = step.StepId,
                WorkerType = step.WorkerType,
                WorkerName = workerName,
                Visit = at.Visit,
                Attempt = at.Attempt,
            };
            Publish(session, started);
        }
        else
        {
            session.NextEvent();
        }

        var pending = _hub.InvokeAsync(session, step, worker, callerToken, runToken);
        if (!observed && pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            if (!result.Suspended)
            {
                var end = _time.GetTimestamp();
                Record(session, step, workerName, result, timestamp, end, startedAt, observed: false, out var retry, out _, out _, out _);
                return new ValueTask<StepEnd>(new StepEnd(retry ? step.DelayBeforeRetry(at.Attempt) : TimeSpan.Zero, end));
            }

            return EndStepAsync(session, step, workerName, new ValueTask<AttemptResult>(result), timestamp, startedAt, started);
        }

        return EndStepAsync(session, step, workerName, pending, timestamp, startedAt, started);
    }

    /// <summary>The end of an attempt whose worker waits or whose events someone takes: awaited, recorded, committed.</summary>
    private async ValueTask<StepEnd> EndStepAsync(RunSession session, WorkflowStep step, string workerName, ValueTask<AttemptResult> pending, long timestamp, DateTimeOffset startedAt, AttemptStarted? started)
    {
        var at = session.Position;
        var startCommitted = false;
        if (started is not null && _store is not null && !pending.IsCompleted && _options.AttemptStartCommitDelay != Timeout.InfiniteTimeSpan)
        {
            // A long attempt (a model call) is seen running from other processes: its start is committed on its own.
            (pending, startCommitted) = await CommitStartOfLongAttemptAsync(session, started, pending).ConfigureAwait(false);
            if (startCommitted)
            {
                started = null;
            }
        }

        var result = await pending.ConfigureAwait(false);
        if (result.Suspended)
        {
            // A sub-workflow step whose child paused: this run pauses too, and the attempt runs again on resume.
            // The start event already published is written with the pause's checkpoint (unless committed already).
            if (started is not null)
            {
                session.PendingEvents.Add(started);
            }

            await PauseHereAsync(session).ConfigureAwait(false);
            return new StepEnd(TimeSpan.Zero, -1);
        }

        var end = _time.GetTimestamp();
        var observed = started is not null || startCommitted;
        var entry = Record(session, step, workerName, result, timestamp, end, startedAt, observed, out var retry, out var cancelled, out var dataChanged, out var next);
        if (!observed)
        {
            // Nobody takes the events: nothing is committed, and nothing waits before the next attempt.
            return new StepEnd(retry ? step.DelayBeforeRetry(at.Attempt) : TimeSpan.Zero, end);
        }

        if (started is null)
        {
            // The start was committed while the attempt ran: the record's checkpoint carries the rest.
            RunEvent[] rest = cancelled ? [Recorded(session, entry), CancelEvent(session), Ended(session)] : next.AtStep ? [Recorded(session, entry)] : [Recorded(session, entry), Ended(session)];
            await CommitAsync(session, entry, dataChanged, rest, clearsControl: cancelled).ConfigureAwait(false);
        }
        else if (cancelled)
        {
            await CommitAsync(session, entry, dataChanged, [started, Recorded(session, entry), CancelEvent(session), Ended(session)], clearsControl: true, published: 1).ConfigureAwait(false);
        }
        else if (next.AtStep)
        {
            await CommitAsync(session, entry, dataChanged, [started, Recorded(session, entry)], published: 1).ConfigureAwait(false);
        }
        else
        {
            await CommitAsync(session, entry, dataChanged, [started, Recorded(session, entry), Ended(session)], published: 1).ConfigureAwait(false);
        }

        // The commit waited for the store: the next attempt reads the clock afresh.
        return new StepEnd(retry ? step.DelayBeforeRetry(at.Attempt) : TimeSpan.Zero, -1);
    }

    /// <summary>
    /// Records an attempt's <paramref name="result"/> in the history and moves the position by the routing law.
    /// An unobserved run (<paramref name="observed"/> false) takes the numbers its events would have had.
    /// </summary>
    private HistoryEntry Record(RunSession session, WorkflowStep step, string workerName, AttemptResult result, long timestamp, long end, DateTimeOffset startedAt, bool observed, out bool retry, out bool cancelled, out bool dataChanged, out RunPosition next)
    {
        var context = session.Context;
        var at = session.Position;
        var duration = _time.GetElapsedTime(timestamp, end);
        var usage = context.TakeAttemptUsage();
        retry = false;
        cancelled = result.Outcome == AttemptOutcome.Cancelled && session.CancelRequested;
        next = cancelled
            ? Router.Cancelled(at, CancelReason(session))
            : session.StepOnly
                ? Router.StepOnly(at, result.Outcome, $"step '{step.StepId}' failed (re-run alone, without retries): {result.Error}")
                : Router.After(session.Workflow, at, result.Outcome, result.Label, session.Visits, result.Outcome.IsSuccess() ? null : $"step '{step.StepId}' failed after {at.Attempt} attempt(s): {result.Error}", out retry);
        dataChanged = DataChanged(session);
        var entry = HistoryEntries.Attempt(
            session, at, step, workerName, result, startedAt, duration, usage,
            cancelled ? "cancelled" : next.Step,
            dataChanged && _store is not null ? context.Data.Snapshot() : null);
        context.MutableHistory.Add(entry);
        session.Position = next;
        if (!observed)
        {
            session.SkipEndEvents(cancelled, next);
        }

        return entry;
    }

    /// <summary>How an attempt ended: the delay before a retry (zero otherwise), and the clock read that ended it when the next attempt may start there (-1 otherwise).</summary>
    private readonly record struct StepEnd(TimeSpan Delay, long CarriedTimestamp);

    /// <summary>Parks the run at an approval step: the position is committed and the run waits.</summary>
    private async ValueTask ParkAsync(RunSession session, WorkflowStep step)
    {
        session.Position = Router.Parked(session.Position);
        session.Prompt = step.Prompt;
        var parked = new RunParked { RunId = session.RunId, Sequence = session.NextEvent(), Timestamp = _time.GetUtcNow(), StepId = step.StepId, Prompt = step.Prompt };
        await CommitAsync(session, null, DataChanged(session), [parked]).ConfigureAwait(false);
    }

    /// <summary>Records a cancellation at the run's position (no attempt in flight) and ends the run cancelled.</summary>
    private async ValueTask CancelHereAsync(RunSession session)
    {
        var at = session.Position;
        var workerType = at.AtStep ? session.Workflow.Steps[at.StepIndex].WorkerType : new WorkerType("none");
        var why = CancelReason(session);
        var entry = HistoryEntries.Cancellation(session, at, workerType, session.ControlBy ?? "unknown", why, _time.GetUtcNow());
        session.Context.MutableHistory.Add(entry);
        session.Position = Router.Cancelled(at, why);
        var cancel = CancelEvent(session);
        await CommitAsync(session, entry, dataChanged: false, [cancel, Ended(session)], clearsControl: true).ConfigureAwait(false);
    }

    /// <summary>Stops driving the run after its last recorded attempt: paused until someone resumes it.</summary>
    private async ValueTask PauseHereAsync(RunSession session)
    {
        session.Position = Router.InState(session.Position, WorkflowState.Paused);
        var paused = new RunPaused { RunId = session.RunId, Sequence = session.NextEvent(), Timestamp = _time.GetUtcNow(), By = session.ControlBy ?? "unknown", StepId = session.Position.Step };
        await CommitAsync(session, null, DataChanged(session), [paused], clearsControl: true).ConfigureAwait(false);
        session.Control = RunControl.None;
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

        // Fail closed: tokens without a price (a model the price table does not name, such as a provider's own
        // id for it) would let the run spend past its budget unseen.
        if (session.MaxCost is { } budget && session.Context.UnpricedUsage is { } unpriced)
        {
            return $"cost budget of {budget} cannot be held: {unpriced.TotalTokens} token(s) of model '{unpriced.Model ?? "unknown"}' have no price (add the model to the price table) before step '{session.Context.CurrentStep}'";
        }

        return null;
    }

    /// <summary>True when a store or a listener takes the run's events (in memory without a listening listener, nobody does).</summary>
    private bool Observed(RunSession session)
    {
        if (_store is not null)
        {
            return true;
        }

        foreach (var listener in _hub.Listeners)
        {
            if (listener.IsListening(session))
            {
                return true;
            }
        }

        return false;
    }

    private static AttemptRecorded Recorded(RunSession session, HistoryEntry entry) => AttemptRecorded.For(entry, session.NextEvent());

    private static bool DataChanged(RunSession session) => session.Context.Data.Version != session.CommittedDataVersion;

    private static string CancelReason(RunSession session)
        => session.ControlReason ?? $"cancelled by {session.ControlBy ?? "request"}";

    private CancelRequested CancelEvent(RunSession session)
        => new() { RunId = session.RunId, Sequence = session.NextEvent(), Timestamp = _time.GetUtcNow(), By = session.ControlBy ?? "unknown", Reason = CancelReason(session) };

    private RunEnded Ended(RunSession session)
        => new() { RunId = session.RunId, Sequence = session.NextEvent(), Timestamp = _time.GetUtcNow(), State = session.Position.State, Step = session.Position.Step, Error = session.Position.Error };

    private async ValueTask<RunOwnedElsewhereException> OwnedElsewhereAsync(string runId, CancellationToken cancellationToken)
    {
        var record = _store is null ? null : await _store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is null && _store is not null)
        {
            throw new RunNotFoundException(runId);
        }

        return record?.LeaseOwner is { } owner && owner != _options.OwnerId
            ? new RunOwnedElsewhereException(runId, owner, record.LeaseExpires)
            : new RunOwnedElsewhereException(runId, null, null);
    }
}
