namespace Keel;

/// <summary>
/// A run store that passes every call to the store it wraps. Derive from it to observe or adjust some calls
/// (count commits, report progress, add tracing) and leave the rest as they are.
/// </summary>
public abstract class DelegatingRunStore : IRunStore
{
    protected DelegatingRunStore(IRunStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The store calls are passed to.</summary>
    protected IRunStore Inner { get; }

    public virtual ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
        => Inner.CreateRunAsync(run, history, cancellationToken);

    public virtual ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        => Inner.CommitAsync(checkpoint, cancellationToken);

    public virtual ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
        => Inner.GetRunAsync(runId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
        => Inner.GetHistoryAsync(runId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
        => Inner.ListRunsAsync(query, cancellationToken);

    public virtual ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
        => Inner.TryAcquireLeaseAsync(runId, owner, now, duration, cancellationToken);

    public virtual ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken)
        => Inner.RenewLeaseAsync(runId, owner, fence, expires, cancellationToken);

    public virtual ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
        => Inner.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);

    public virtual ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
        => Inner.DeleteRunsAsync(olderThan, states, cancellationToken);
}
