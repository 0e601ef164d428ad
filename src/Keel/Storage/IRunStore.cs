namespace Keel;

/// <summary>
/// Where runs are recorded. One <see cref="CommitAsync"/> holds one attempt's history entry, the data bus,
/// the run's position and the events describing the change, atomically: after a crash a run resumes from
/// its last commit, and a watcher sees exactly the committed events. Every store (in-memory, SQLite,
/// PostgreSQL) passes the conformance suite shipped in Keel.Testing.
/// </summary>
public interface IRunStore
{
    /// <summary>
    /// The store's clock: lease times are read from it, so every process sharing the store agrees on when a
    /// lease expires (a server store measures it against the server's clock).
    /// </summary>
    TimeProvider Clock { get; }

    /// <summary>
    /// Creates a run, with any history it starts from (a fork), holding the lease of
    /// <see cref="RunRecord.LeaseOwner"/> (none for a pending run), and writes its event 1,
    /// <see cref="RunCreated.For"/>. A created run survives a process crash at once, and a power loss no
    /// later than the run's next durable commit: a store may make creation itself cheaper than a commit.
    /// </summary>
    ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken);

    /// <summary>
    /// Commits one checkpoint atomically, with its events. Throws <see cref="RunOwnedElsewhereException"/>
    /// when the checkpoint's fencing token is not the run's current one (the lease was lost), writing
    /// nothing. A checkpoint whose first event is already stored with the same fence is a repeat after a
    /// lost acknowledgement: nothing is written again. Returns the control request pending on the run.
    /// </summary>
    ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The run, or null when there is no run with that id.</summary>
    ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The run's history, oldest first (empty when the run does not exist).</summary>
    ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// The run's events numbered after <paramref name="afterSequence"/>, oldest first, at most
    /// <paramref name="limit"/> (empty when there are none or the run does not exist).
    /// </summary>
    ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when the run may have events after <paramref name="afterSequence"/>, or after
    /// <paramref name="timeout"/> at the latest (a store that cannot be told of commits made elsewhere polls).
    /// Watching is <see cref="GetEventsAsync"/> then this, in a loop: see <see cref="RunEvents.WatchAsync"/>.
    /// </summary>
    ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when a run may have become claimable anywhere (queued, released, decided, resumed), as far
    /// as the store can be told of changes made by other processes, or after <paramref name="timeout"/> at the
    /// latest: what a worker loop waits on between claims. Call it before looking, then wait for it: a change
    /// made after the call completes it. A store that cannot be told (the default) just waits the timeout.
    /// </summary>
    ValueTask WaitForQueueAsync(TimeSpan timeout, CancellationToken cancellationToken) => new(Task.Delay(timeout, Clock, cancellationToken));

    /// <summary>Runs matching the query, newest first (by creation time, then run id).</summary>
    ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>How many stored runs are in each state (states with none are left out).</summary>
    ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes the run's lease for <paramref name="owner"/> when it is free, expired, already the owner's, or
    /// held by one of <paramref name="deadOwners"/>, until <see cref="Clock"/>'s now plus
    /// <paramref name="duration"/>, and returns the new fencing token; returns null when another owner holds a live lease.
    /// </summary>
    ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken);

    /// <summary>
    /// Claims, atomically, up to <see cref="ClaimRequest.Limit"/> runs nobody drives: pending runs, and
    /// running ones whose lease is free, expired or held by a dead owner; oldest first. Two owners racing
    /// never claim the same run.
    /// </summary>
    ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Extends a lease still held with <paramref name="fence"/> to the store's now plus
    /// <paramref name="duration"/>; returns the control request pending on the run, or null when the lease was lost.
    /// </summary>
    ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease up (no-op when it is no longer held with <paramref name="fence"/>).</summary>
    ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken);

    /// <summary>
    /// Records a control request on a run that has not ended (durable; whoever drives the run honours it at
    /// its next heartbeat or commit). <see cref="RunControl.None"/> clears a pending one. False when the run has ended.
    /// </summary>
    ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the runs last updated before <paramref name="olderThan"/> whose state is one of
    /// <paramref name="states"/> (others are left alone, however old), in one transaction; returns the runs deleted.
    /// A run whose lease has not expired by the store's clock is being driven and is never deleted, whatever its
    /// state and age (an attempt can outlast the age).
    /// </summary>
    ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken);
}
