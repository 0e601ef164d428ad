using System.Text;

namespace Keel;

/// <summary>
/// A run store in process memory: resume, approvals, leases and forks within one process, and the
/// reference the conformance suite holds other stores to. Nothing survives the process.
/// </summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly Dictionary<string, Slot> _runs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>A store on the system clock.</summary>
    public InMemoryRunStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A store whose leases follow <paramref name="clock"/> (a fake one in tests).</summary>
    public InMemoryRunStore(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Clock = clock;
    }

    /// <inheritdoc />
    public TimeProvider Clock { get; }

    /// <inheritdoc />
    public ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate)
        {
            if (_runs.ContainsKey(run.RunId))
            {
                throw new KeelException($"Run '{run.RunId}' already exists in the run store.");
            }

            var slot = new Slot { Run = run with { HistoryCount = history.Count } };
            slot.History.AddRange(history);
            slot.FixedBytes = Encoding.UTF8.GetByteCount(run.DefinitionJson) + Encoding.UTF8.GetByteCount(run.Goal);
            foreach (var entry in history)
            {
                slot.HistoryBytes += EntryBytes(entry);
            }

            slot.Run = slot.Run with { SizeBytes = Size(slot, slot.Run.Data), LastEventSequence = 1, Control = RunControl.None, ControlBy = null, ControlReason = null };
            slot.Events.Add(RunCreated.For(run));
            _runs.Add(run.RunId, slot);
            Signal();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        lock (_gate)
        {
            var slot = Find(checkpoint.RunId);
            if (slot.Run.Fence != checkpoint.Fence)
            {
                throw new RunOwnedElsewhereException(checkpoint.RunId, slot.Run.LeaseOwner, slot.Run.LeaseExpires);
            }

            var run = slot.Run;
            if (checkpoint.Events.Count > 0)
            {
                var first = checkpoint.Events[0].Sequence;
                if (first <= run.LastEventSequence)
                {
                    // A repeat of a committed checkpoint (its acknowledgement was lost): already written.
                    return new(run.Control);
                }

                if (first != run.LastEventSequence + 1)
                {
                    throw new KeelException($"Run '{checkpoint.RunId}': the checkpoint's first event is #{first}, but the run's newest is #{run.LastEventSequence} (events are numbered without gaps).");
                }

                slot.Events.AddRange(checkpoint.Events);
            }

            var usage = checkpoint.Entry?.Usage;
            if (checkpoint.Entry is { } entry)
            {
                slot.History.Add(entry);
                slot.HistoryBytes += EntryBytes(entry);
            }

            var data = checkpoint.Data ?? run.Data;
            slot.Run = run with
            {
                State = checkpoint.State,
                CurrentStep = checkpoint.CurrentStep,
                Visit = checkpoint.Visit,
                Attempt = checkpoint.Attempt,
                StepsTaken = checkpoint.StepsTaken,
                Error = checkpoint.Error,
                Data = data,
                UpdatedAt = checkpoint.UpdatedAt,
                LeaseOwner = checkpoint.ReleasesLease ? null : run.LeaseOwner,
                LeaseExpires = checkpoint.ReleasesLease ? null : checkpoint.LeaseExpires ?? run.LeaseExpires,
                HistoryCount = slot.History.Count,
                SizeBytes = Size(slot, data),
                InputTokens = run.InputTokens + (usage?.InputTokens ?? 0),
                OutputTokens = run.OutputTokens + (usage?.OutputTokens ?? 0),
                Cost = usage?.Cost is { } cost ? (run.Cost ?? 0) + cost : run.Cost,
                LastEventSequence = checkpoint.Events.Count > 0 ? checkpoint.Events[^1].Sequence : run.LastEventSequence,
                Control = checkpoint.ClearsControl ? RunControl.None : run.Control,
                ControlBy = checkpoint.ClearsControl ? null : run.ControlBy,
                ControlReason = checkpoint.ClearsControl ? null : run.ControlReason,
            };
            Signal();
            return new(slot.Run.Control);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var slot) || afterSequence >= slot.Events.Count)
            {
                return new((IReadOnlyList<RunEvent>)[]);
            }

            var from = (int)Math.Max(afterSequence, 0);
            return new((IReadOnlyList<RunEvent>)slot.Events.GetRange(from, Math.Min(limit, slot.Events.Count - from)).ToArray());
        }
    }

    /// <inheritdoc />
    public async ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var slot) || slot.Run.LastEventSequence > afterSequence)
            {
                return;
            }

            changed = _changed.Task;
        }

        try
        {
            await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing new yet: the watcher reads again.
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<WorkflowState, int> counts = _runs.Values.GroupBy(s => s.Run.State).ToDictionary(g => g.Key, g => g.Count());
            return new(counts);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var now = Clock.GetUtcNow();
            var claimed = new List<ClaimedRun>();
            foreach (var slot in _runs.Values.OrderBy(s => s.Run.CreatedAt).ThenBy(s => s.Run.RunId, StringComparer.Ordinal))
            {
                if (claimed.Count >= request.Limit)
                {
                    break;
                }

                var run = slot.Run;
                var free = run.State == WorkflowState.Pending
                    ? run.LeaseOwner is null || run.LeaseExpires <= now || IsDead(request.DeadOwners, run.LeaseOwner)
                    : run.State == WorkflowState.Running && (run.LeaseOwner is null || run.LeaseExpires <= now || IsDead(request.DeadOwners, run.LeaseOwner));
                if (!free || (request.DefinitionHashes is { } hashes && !hashes.Contains(run.DefinitionHash)) || (request.Excluding?.Contains(run.RunId) ?? false))
                {
                    continue;
                }

                slot.Run = run with { LeaseOwner = request.Owner, LeaseExpires = now + request.LeaseDuration, Fence = run.Fence + 1 };
                claimed.Add(new ClaimedRun(run.RunId, slot.Run.Fence, run.LeaseOwner));
            }

            return new((IReadOnlyList<ClaimedRun>)claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var slot = Find(request.RunId);
            if (slot.Run.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
            {
                return new(false);
            }

            slot.Run = request.Control == RunControl.None
                ? slot.Run with { Control = RunControl.None, ControlBy = null, ControlReason = null }
                : slot.Run with { Control = request.Control, ControlBy = request.By, ControlReason = request.Reason };
            Signal();
            return new(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(_runs.TryGetValue(runId, out var slot) ? slot.Run : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<HistoryEntry> history = _runs.TryGetValue(runId, out var slot) ? slot.History.ToArray() : [];
            return new(history);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values
                .Select(s => s.Run)
                .Where(r => query.WorkflowName is null || r.WorkflowName == query.WorkflowName)
                .Where(r => query.ParentRunId is null || r.ParentRunId == query.ParentRunId)
                .Where(r => query.State is null || r.State == query.State)
                .Where(r => query.CreatedAfter is null || r.CreatedAt >= query.CreatedAfter)
                .Where(r => query.CreatedBefore is null || r.CreatedAt < query.CreatedBefore)
                .Where(r => query.LeaseFreeAt is null || r.LeaseOwner is null || r.LeaseExpires is null || r.LeaseExpires <= query.LeaseFreeAt)
                .Where(r => query.After is not { } after || after.Precedes(r.CreatedAt, r.RunId))
                .OrderByDescending(r => r.CreatedAt)
                .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
                .Take(query.Limit)
                .ToArray();
            return new(runs);
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var slot = Find(runId);
            var run = slot.Run;
            var now = Clock.GetUtcNow();
            if (run.LeaseOwner is not null && run.LeaseOwner != owner && run.LeaseExpires > now && !IsDead(deadOwners, run.LeaseOwner))
            {
                return new((long?)null);
            }

            slot.Run = run with { LeaseOwner = owner, LeaseExpires = now + duration, Fence = run.Fence + 1 };
            return new(slot.Run.Fence);
        }
    }

    /// <inheritdoc />
    public ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var slot) || slot.Run.Fence != fence || slot.Run.LeaseOwner != owner)
            {
                return new((RunControl?)null);
            }

            slot.Run = slot.Run with { LeaseExpires = Clock.GetUtcNow() + duration };
            return new(slot.Run.Control);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(runId, out var slot) && slot.Run.Fence == fence && slot.Run.LeaseOwner == owner)
            {
                slot.Run = slot.Run with { LeaseOwner = null, LeaseExpires = null };
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        lock (_gate)
        {
            // A run whose lease is live is being driven (an attempt can outlast the age): never deleted.
            var now = Clock.GetUtcNow();
            var doomed = _runs.Values
                .Where(s => s.Run.UpdatedAt < olderThan && states.Contains(s.Run.State) && (s.Run.LeaseOwner is null || s.Run.LeaseExpires is not { } expires || expires <= now))
                .Select(s => s.Run)
                .ToArray();
            foreach (var run in doomed)
            {
                _runs.Remove(run.RunId);
            }

            return new((IReadOnlyList<RunRecord>)doomed);
        }
    }

    private static bool IsDead(IReadOnlyCollection<string>? deadOwners, string? owner)
        => owner is not null && deadOwners is not null && deadOwners.Contains(owner);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes every watcher (called under the lock).</summary>
    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private Slot Find(string runId)
        => _runs.TryGetValue(runId, out var slot) ? slot : throw new RunNotFoundException(runId);

    /// <summary>Approximate bytes of the run: definition, goal, data bus and history (kept as a running sum, so a commit is O(1) in the history's length).</summary>
    private static long Size(Slot slot, IReadOnlyDictionary<string, System.Text.Json.JsonElement> data)
    {
        var size = slot.FixedBytes + slot.HistoryBytes;
        foreach (var value in data.Values)
        {
            size += value.GetRawText().Length;
        }

        return size;
    }

    private static long EntryBytes(HistoryEntry entry)
        => 64 + (KeelJson.ToText(entry.Input)?.Length ?? 0) + (KeelJson.ToText(entry.Output)?.Length ?? 0) + (entry.Error?.Length ?? 0);

    private sealed class Slot
    {
        public required RunRecord Run { get; set; }

        public List<HistoryEntry> History { get; } = [];

        public List<RunEvent> Events { get; } = [];

        public long FixedBytes { get; set; }

        public long HistoryBytes { get; set; }
    }
}
