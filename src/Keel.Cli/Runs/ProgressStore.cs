namespace Keel.Cli.Runs;

/// <summary>A run store that reports each committed history entry to a <see cref="IRunObserver"/>, then passes everything to the store it wraps.</summary>
internal sealed class ProgressStore(IRunStore inner, IRunObserver observer) : IRunStore
{
    public async ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        await inner.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        if (checkpoint.Entry is { } entry)
        {
            observer.Recorded(entry);
        }
    }

    public ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
        => inner.CreateRunAsync(run, history, cancellationToken);

    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) => inner.GetRunAsync(runId, cancellationToken);

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken) => inner.GetHistoryAsync(runId, cancellationToken);

    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken) => inner.ListRunsAsync(query, cancellationToken);

    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
        => inner.TryAcquireLeaseAsync(runId, owner, now, duration, cancellationToken);

    public ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken)
        => inner.RenewLeaseAsync(runId, owner, fence, expires, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
        => inner.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
        => inner.DeleteRunsAsync(olderThan, cancellationToken);
}
