namespace Keel.Server.Tests;

/// <summary>
/// A store whose listing lags behind its events, as a listing read just before a commit does: the first time
/// a run is listed as ended, its newest event sequence is reported <see cref="Lag"/> lower than it is.
/// Everything else goes to the store underneath.
/// </summary>
internal sealed class LaggingListingStore(IRunStore inner) : IRunStore
{
    private readonly HashSet<string> _lagged = new(StringComparer.Ordinal);

    public const int Lag = 3;

    public TimeProvider Clock => inner.Clock;

    public async ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        var runs = await inner.ListRunsAsync(query, cancellationToken).ConfigureAwait(false);
        var listed = new List<RunRecord>(runs.Count);
        foreach (var run in runs)
        {
            var lags = run.State is WorkflowState.Completed or WorkflowState.Failed && run.LastEventSequence > Lag;
            lock (_lagged)
            {
                lags = lags && _lagged.Add(run.RunId);
            }

            listed.Add(lags ? run with { LastEventSequence = run.LastEventSequence - Lag } : run);
        }

        return listed;
    }

    public ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken) => inner.CreateRunAsync(run, history, cancellationToken);

    public ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken) => inner.CommitAsync(checkpoint, cancellationToken);

    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) => inner.GetRunAsync(runId, cancellationToken);

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken) => inner.GetHistoryAsync(runId, cancellationToken);

    public ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken) => inner.GetEventsAsync(runId, afterSequence, limit, cancellationToken);

    public ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken) => inner.WaitForEventsAsync(runId, afterSequence, timeout, cancellationToken);

    public ValueTask WaitForQueueAsync(TimeSpan timeout, CancellationToken cancellationToken) => inner.WaitForQueueAsync(timeout, cancellationToken);

    public ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken) => inner.CountRunsAsync(cancellationToken);

    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken) => inner.TryAcquireLeaseAsync(runId, owner, duration, deadOwners, cancellationToken);

    public ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken) => inner.ClaimRunsAsync(request, cancellationToken);

    public ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken) => inner.RenewLeaseAsync(runId, owner, fence, duration, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken) => inner.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);

    public ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken) => inner.RequestAsync(request, cancellationToken);

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken) => inner.DeleteRunsAsync(olderThan, states, cancellationToken);
}
