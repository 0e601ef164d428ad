using Microsoft.Extensions.Logging;

namespace Keel;

internal sealed partial class RunOwner
{
    /// <summary>Takes the run's lease (creating the run holding it, for a new one) and loads its position under it.</summary>
    private async ValueTask<RunSession> OpenAsync(RunStart start, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return start.Session!;
        }

        long fence;
        string? previous = null;
        switch (start.Kind)
        {
            case StartKind.Fresh:
                await _store.CreateRunAsync(start.Record!, [], cancellationToken).ConfigureAwait(false);
                var session = start.Session!;
                session.Fence = start.Record!.Fence;
                session.LastEvent = 1;
                session.CommittedDataVersion = session.Context.Data.Version;
                if (_hub.Listeners.Length > 0)
                {
                    Publish(session, RunCreated.For(start.Record));
                }

                return session;
            case StartKind.Fork:
                await _store.CreateRunAsync(start.Record!, start.Prefix, cancellationToken).ConfigureAwait(false);
                fence = start.Record!.Fence;
                break;
            case StartKind.Claimed:
                fence = start.Fence;
                previous = start.PreviousOwner;
                break;
            default:
                // A lease still held by a process of this machine that is gone is taken at once (a resume or a
                // cancel right after a kill -9), not after it expires.
                var gone = start.Record?.LeaseOwner is { } holder && holder != _options.OwnerId && OwnerIds.IsGone(holder) ? new[] { holder } : null;
                fence = await _store.TryAcquireLeaseAsync(start.RunId, _options.OwnerId, _options.LeaseDuration, gone, cancellationToken).ConfigureAwait(false)
                    ?? throw await OwnedElsewhereAsync(start.RunId, cancellationToken).ConfigureAwait(false);
                previous = start.Record?.LeaseOwner;
                break;
        }

        try
        {
            // Read again under the lease: the position may have moved since the first read. A claimed run was
            // first read after the claim took its lease, so that read stands; a run with no entries has no
            // history to read.
            var current = start.Kind == StartKind.Claimed && start.Record is { } claimed && claimed.Fence == fence
                ? claimed
                : await _store.GetRunAsync(start.RunId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(start.RunId);
            var history = current.HistoryCount == 0 ? [] : await _store.GetHistoryAsync(start.RunId, cancellationToken).ConfigureAwait(false);
            var loaded = Load(start, current, history, fence);
            if (previous is not null && previous != _options.OwnerId && start.Kind is StartKind.Resume or StartKind.Claimed && current.State is WorkflowState.Running or WorkflowState.Pending)
            {
                loaded.PendingEvents.Add(new LeaseLost { RunId = start.RunId, Sequence = loaded.NextEvent(), Timestamp = _time.GetUtcNow(), PreviousOwner = previous, Owner = _options.OwnerId });
            }

            if (start.Kind == StartKind.Fork)
            {
                Publish(loaded, RunCreated.For(start.Record!));
            }

            return loaded;
        }
        catch
        {
            await _store.ReleaseLeaseAsync(start.RunId, _options.OwnerId, fence, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A session at the stored run's position, with its history, visits, usage and pending control request.</summary>
    private RunSession Load(RunStart start, RunRecord record, IReadOnlyList<HistoryEntry> history, long fence)
    {
        var compiled = start.Workflow;
        var context = new WorkflowContext(record.RunId, compiled.Name, record.Goal, new DataBus(record.Data), new List<HistoryEntry>(history), _hub.Services);
        var session = new RunSession(compiled, start.Workers, context, _hub.LoggerFor(start.Verbose), start.Verbose)
        {
            Fence = fence,
            FindsParkedAttempts = true,
            LastEvent = record.LastEventSequence,
            MaxTokens = start.MaxTokens ?? record.MaxTokens,
            MaxCost = start.MaxCost ?? record.MaxCost,
            Control = record.Control,
            ControlBy = record.ControlBy,
            ControlReason = record.ControlReason,
            StepOnly = record.InitialData.ContainsKey(Orchestrator.StepOnlyKey),
            InitialData = record.InitialData,
        };
        foreach (var entry in history)
        {
            var index = compiled.TryIndexOf(entry.StepId);
            if (index >= 0 && entry.Visit > session.Visits[index])
            {
                session.Visits[index] = entry.Visit;
            }

            if (entry.Usage is { } u)
            {
                context.CountUsage(u);
            }
        }

        var stepIndex = compiled.TryIndexOf(record.CurrentStep);
        if (stepIndex == int.MinValue)
        {
            throw new KeelException($"Run '{record.RunId}' is at step '{record.CurrentStep}', which workflow '{compiled.Name}' does not have.");
        }

        var state = record.State == WorkflowState.Pending && start.Drive ? WorkflowState.Running : record.State;
        if (record.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
        {
            stepIndex = record.State == WorkflowState.Completed ? CompiledWorkflow.CompleteIndex : CompiledWorkflow.FailedIndex;
        }

        session.Position = new RunPosition(stepIndex, record.CurrentStep, record.Visit, record.Attempt, record.StepsTaken, state, record.Error);
        if (stepIndex >= 0)
        {
            context.Attempt = new AttemptInfo(record.RunId, record.CurrentStep, record.Visit, record.Attempt, null, null);
        }

        session.CommittedDataVersion = context.Data.Version;
        return session;
    }

    /// <summary>Commits the session's position with an entry (when there is one) and events, then hands the events to the listeners.</summary>
    /// <remarks>The first <paramref name="published"/> of <paramref name="events"/> were published as they happened (an attempt's start): they are written, not published again.</remarks>
    private async ValueTask CommitAsync(RunSession session, HistoryEntry? entry, bool dataChanged, RunEvent[] events, bool clearsControl = false, int published = 0)
    {
        var context = session.Context;
        if (_store is null)
        {
            session.ClearPendingEvents();
            PublishAll(session, events, published);
            return;
        }

        var position = session.Position;
        var now = _time.GetUtcNow();
        var stops = position.State != WorkflowState.Running;
        IReadOnlyList<RunEvent> written = events;
        if (session.HasPendingEvents)
        {
            written = [.. session.PendingEvents, .. events];
        }

        var checkpoint = new Checkpoint
        {
            RunId = session.RunId,
            Fence = session.Fence,
            Entry = entry,
            Data = dataChanged ? entry?.Data ?? context.Data.Snapshot() : null,
            State = position.State,
            CurrentStep = position.Step,
            Visit = position.Visit,
            Attempt = position.Attempt,
            StepsTaken = position.StepsTaken,
            Error = position.Error,
            UpdatedAt = now,
            LeaseExpires = stops ? null : _store.Clock.GetUtcNow() + _options.LeaseDuration,
            ReleasesLease = stops,
            ClearsControl = clearsControl,
            Events = written,
        };
        RunControl control;
        try
        {
            // The checkpoint is written whatever the caller's token says: a finished attempt is paid for.
            control = await _store.CommitAsync(checkpoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException)
        {
            session.LeaseLost = true;
            Log.LeaseLost(session.Logger, session.RunId);
            throw;
        }

        if (dataChanged)
        {
            // Only a checkpoint that wrote the data bus makes it committed (a start committed mid-attempt writes none).
            session.CommittedDataVersion = context.Data.Version;
        }

        session.LeaseReleased = stops;
        if (session.HasPendingEvents)
        {
            foreach (var pending in session.PendingEvents)
            {
                if (pending is not AttemptStarted)
                {
                    Publish(session, pending);
                }
            }

            session.PendingEvents.Clear();
        }

        PublishAll(session, events, published);
        if (!stops && control != RunControl.None && session.Control == RunControl.None)
        {
            await TakeControlAsync(session).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for an attempt up to <see cref="OrchestratorOptions.AttemptStartCommitDelay"/>; when it still runs then,
    /// commits its start (with any events waiting) at the run's position, so that from any process the run reads
    /// as running with its attempt in flight. Returns the attempt to await and whether its start was committed.
    /// </summary>
    private async ValueTask<(ValueTask<AttemptResult> Pending, bool Committed)> CommitStartOfLongAttemptAsync(RunSession session, AttemptStarted started, ValueTask<AttemptResult> pending)
    {
        var attempt = pending.AsTask();
        try
        {
            await attempt.WaitAsync(_options.AttemptStartCommitDelay, _time).ConfigureAwait(false);
            return (new ValueTask<AttemptResult>(attempt), false);
        }
        catch (TimeoutException) when (!attempt.IsCompleted)
        {
            // Still running: its start is committed below.
        }
        catch (Exception)
        {
            // The attempt's own failure, observed where it is awaited.
            return (new ValueTask<AttemptResult>(attempt), false);
        }

        try
        {
            await CommitAsync(session, null, dataChanged: false, [started], published: 1).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The drive stops as at any failed commit (a lost lease, a store that fails); the attempt in flight
            // is cancelled and awaited first, so no worker outlives its run's drive.
            await session.CancelSource!.CancelAsync().ConfigureAwait(false);
            try
            {
                await attempt.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The commit's failure is the one reported.
            }

            throw;
        }

        if (session.Control == RunControl.Cancel)
        {
            // A cancel requested meanwhile is honoured now, as the heartbeat would.
            await session.CancelSource!.CancelAsync().ConfigureAwait(false);
        }

        return (new ValueTask<AttemptResult>(attempt), true);
    }

    /// <summary>Reads who asked for the control request the store reported, for the loop to honour before the next attempt.</summary>
    private async ValueTask TakeControlAsync(RunSession session)
    {
        var record = await _store!.GetRunAsync(session.RunId, CancellationToken.None).ConfigureAwait(false);
        if (record is null || record.Control == RunControl.None)
        {
            return;
        }

        session.ControlBy = record.ControlBy;
        session.ControlReason = record.ControlReason;
        session.Control = record.Control;
    }

    private void PublishAll(RunSession session, RunEvent[] events, int from = 0)
    {
        for (var i = from; i < events.Length; i++)
        {
            Publish(session, events[i]);
        }
    }

    /// <summary>Hands one event to every listener; a listener's exception is logged, never thrown into the run.</summary>
    internal void Publish(RunSession session, RunEvent runEvent)
    {
        var listeners = _hub.Listeners;
        var arguments = new RunEventArguments(runEvent, session.Workflow.Name, session.Context, session);
        foreach (var listener in listeners)
        {
            try
            {
                listener.Write(in arguments);
            }
            catch (Exception ex)
            {
                Log.ListenerFailed(_hub.Logger, ex, listener.GetType().Name, runEvent.Type, session.RunId);
            }
        }
    }

    /// <summary>Renews the lease every third of its term; a lost lease stops the run, a control request is taken up.</summary>
    private sealed class Heartbeat(RunOwner driver, RunSession session)
    {
        private int _busy;

        public async Task BeatAsync()
        {
            if (Interlocked.Exchange(ref _busy, 1) == 1)
            {
                return;
            }

            try
            {
                if (session.LeaseReleased)
                {
                    return;
                }

                var control = await driver._store!.RenewLeaseAsync(session.RunId, driver._options.OwnerId, session.Fence, driver._options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                if (control is null)
                {
                    if (!session.LeaseReleased)
                    {
                        session.LeaseLost = true;
                        Log.LeaseLost(session.Logger, session.RunId);
                        await session.CancelSource!.CancelAsync().ConfigureAwait(false);
                    }
                }
                else if (control != RunControl.None && session.Control == RunControl.None)
                {
                    await driver.TakeControlAsync(session).ConfigureAwait(false);
                    if (session.Control == RunControl.Cancel)
                    {
                        await session.CancelSource!.CancelAsync().ConfigureAwait(false);
                    }
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
