namespace Keel;

/// <summary>
/// A run store that passes every call to the store it wraps. Derive from it to adjust some calls (fault
/// injection, counting, caching) and leave the rest as they are. To observe runs, register a
/// <see cref="RunEventListener"/> instead: it sees every event without wrapping the store.
/// </summary>
public abstract class DelegatingRunStore : IRunStore
{
    /// <summary>A store passing every call to <paramref name="inner"/>.</summary>
    protected DelegatingRunStore(IRunStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The store calls are passed to.</summary>
    protected IRunStore Inner { get; }

    /// <inheritdoc />
    public virtual TimeProvider Clock => Inner.Clock;

    /// <inheritdoc />
    public virtual ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
        => Inner.CreateRunAsync(run, history, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        => Inner.CommitAsync(checkpoint, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
        => Inner.GetRunAsync(runId, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
        => Inner.GetHistoryAsync(runId, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken)
        => Inner.GetEventsAsync(runId, afterSequence, limit, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
        => Inner.WaitForEventsAsync(runId, afterSequence, timeout, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask WaitForQueueAsync(TimeSpan timeout, CancellationToken cancellationToken)
        => Inner.WaitForQueueAsync(timeout, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
        => Inner.ListRunsAsync(query, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken)
        => Inner.CountRunsAsync(cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken)
        => Inner.TryAcquireLeaseAsync(runId, owner, duration, deadOwners, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
        => Inner.ClaimRunsAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken)
        => Inner.RenewLeaseAsync(runId, owner, fence, duration, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
        => Inner.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
        => Inner.RequestAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
        => Inner.DeleteRunsAsync(olderThan, states, cancellationToken);
}
