namespace Keel.Sqlite.Writing;

/// <summary>A run's running totals, as its newest position-carrying row (or its run row) holds them.</summary>
internal readonly record struct RunTotals(long Count, long Bytes, long InputTokens, long OutputTokens, decimal? Cost);

/// <summary>
/// What a commit needs to know of a run before writing: its key, fence, lease, state, newest history row
/// (and whether that row carries the position), the data bus's row (its number within the run), the running
/// totals, its newest event, its pending control request, its newest entry's sequence (-1 for none) and the
/// number its next row takes.
/// </summary>
internal readonly record struct RunTail(
    long RunKey,
    long Fence,
    string? Owner,
    long? Expires,
    string State,
    long? Newest,
    bool NewestHasPosition,
    long? Bus,
    RunTotals Totals,
    long LastEvent,
    RunControl Control,
    long NewestSequence,
    long NextRow);

/// <summary>
/// The writer's memory of each run's tail as its own last ordinary checkpoint left it, so the next one
/// needs no read. It holds only while nothing else changed the run: the writer forgets a run whenever
/// another of its operations touches it, forgets every run when a transaction rolls back, and when SQLite's
/// <c>data_version</c> shows another connection (another process or store) committed since its last
/// transaction. Used only by the writer's one thread at a time.
/// </summary>
internal sealed class RunTails(bool enabled)
{
    private readonly Dictionary<string, RunTail> _tails = new(StringComparer.Ordinal);

    /// <summary>Commits that found their run's tail here (for tests).</summary>
    public long Hits { get; private set; }

    public bool TryGet(string runId, out RunTail tail)
    {
        if (_tails.TryGetValue(runId, out tail))
        {
            Hits++;
            return true;
        }

        return false;
    }

    public void Set(string runId, RunTail tail)
    {
        if (enabled)
        {
            _tails[runId] = tail;
        }
    }

    public void Forget(string runId) => _tails.Remove(runId);

    public void Clear() => _tails.Clear();
}
