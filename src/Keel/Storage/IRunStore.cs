namespace Keel;

/// <summary>
/// Where runs are recorded. One <see cref="CommitAsync"/> holds one attempt's history entry, the data bus
/// and the run's position, atomically: after a crash a run resumes from its last commit. Every store
/// (in-memory, SQLite, PostgreSQL) passes the same conformance suite.
/// </summary>
public interface IRunStore
{
    /// <summary>Creates a run, with any history it starts from (a fork), holding the lease of <see cref="RunRecord.LeaseOwner"/>.</summary>
    ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken);

    /// <summary>
    /// Commits one checkpoint atomically. Throws <see cref="RunOwnedElsewhereException"/> when the
    /// checkpoint's fencing token is not the run's current one (the lease was lost), writing nothing.
    /// </summary>
    ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The run, or null when there is no run with that id.</summary>
    ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The run's history, oldest first (empty when the run does not exist).</summary>
    ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Runs matching the query, newest first.</summary>
    ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the run's lease for <paramref name="owner"/> when it is free, expired or already the owner's,
    /// and returns the new fencing token; returns null when another owner holds a live lease.
    /// </summary>
    ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends a lease still held with <paramref name="fence"/>; false when it was lost.</summary>
    ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken);

    /// <summary>Gives the lease up (no-op when it is no longer held with <paramref name="fence"/>).</summary>
    ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the runs last updated before <paramref name="olderThan"/> whose state is one of
    /// <paramref name="states"/> (others are left alone, however old), in one transaction; returns the runs deleted.
    /// </summary>
    ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken);
}
