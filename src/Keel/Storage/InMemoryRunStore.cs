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

            slot.Run = slot.Run with { SizeBytes = Size(slot, slot.Run.Data) };
            _runs.Add(run.RunId, slot);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
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
            };
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(_runs.TryGetValue(runId, out var slot) ? slot.Run : null);
        }
    }

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<HistoryEntry> history = _runs.TryGetValue(runId, out var slot) ? slot.History.ToArray() : [];
            return new(history);
        }
    }

    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values
                .Select(s => s.Run)
                .Where(r => query.WorkflowName is null || r.WorkflowName == query.WorkflowName)
                .Where(r => query.State is null || r.State == query.State)
                .Where(r => query.CreatedAfter is null || r.CreatedAt >= query.CreatedAfter)
                .Where(r => query.CreatedBefore is null || r.CreatedAt < query.CreatedBefore)
                .Where(r => query.LeaseFreeAt is null || r.LeaseOwner is null || r.LeaseExpires is null || r.LeaseExpires <= query.LeaseFreeAt)
                .OrderByDescending(r => r.CreatedAt)
                .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
                .Take(query.Limit)
                .ToArray();
            return new(runs);
        }
    }

    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var slot = Find(runId);
            var run = slot.Run;
            if (run.LeaseOwner is not null && run.LeaseOwner != owner && run.LeaseExpires > now)
            {
                return new((long?)null);
            }

            slot.Run = run with { LeaseOwner = owner, LeaseExpires = now + duration, Fence = run.Fence + 1 };
            return new(slot.Run.Fence);
        }
    }

    public ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var slot) || slot.Run.Fence != fence || slot.Run.LeaseOwner != owner)
            {
                return new(false);
            }

            slot.Run = slot.Run with { LeaseExpires = expires };
            return new(true);
        }
    }

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

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        lock (_gate)
        {
            var doomed = _runs.Values.Where(s => s.Run.UpdatedAt < olderThan && states.Contains(s.Run.State)).Select(s => s.Run).ToArray();
            foreach (var run in doomed)
            {
                _runs.Remove(run.RunId);
            }

            return new((IReadOnlyList<RunRecord>)doomed);
        }
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

        public long FixedBytes { get; set; }

        public long HistoryBytes { get; set; }
    }
}
