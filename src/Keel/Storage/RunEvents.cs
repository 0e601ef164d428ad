using System.Runtime.CompilerServices;

namespace Keel;

/// <summary>Watching a run's events through any <see cref="IRunStore"/>.</summary>
public static class RunEvents
{
    /// <summary>How long a watch waits for news before it reads the store again. Default 1 second.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The run's events after <paramref name="afterSequence"/>, oldest first, then each new one as it is
    /// committed, until the run ends (<see cref="RunEnded"/> is the last one yielded) or the token is
    /// cancelled. Reconnecting with the sequence of the last event seen gives no gap and no duplicate; a watch
    /// of a run that has ended, from its <see cref="RunEnded"/> or later, yields nothing and ends at once
    /// (as does a watch of a run deleted while it is watched).
    /// Throws <see cref="RunNotFoundException"/> when there is no such run.
    /// </summary>
    public static async IAsyncEnumerable<RunEvent> WatchAsync(
        this IRunStore store,
        string runId,
        long afterSequence = 0,
        TimeSpan? pollInterval = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runId);
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new RunNotFoundException(runId);
        }

        var interval = pollInterval ?? DefaultPollInterval;
        var last = afterSequence;
        while (true)
        {
            // The store failing for a while (a PostgreSQL restart, a lock held past the busy timeout) pauses the
            // watch, which reads again after the poll interval: a watcher outlives an outage, and the sequence it
            // reads after is the last one it yielded, so it still has no gap and no duplicate. A damaged store ends it.
            IReadOnlyList<RunEvent> batch;
            try
            {
                batch = await store.GetEventsAsync(runId, last, 256, cancellationToken).ConfigureAwait(false);
            }
            catch (RunStoreException ex) when (ex is not RunStoreDamagedException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                continue;
            }

            foreach (var runEvent in batch)
            {
                last = runEvent.Sequence;
                yield return runEvent;
                if (runEvent is RunEnded)
                {
                    yield break;
                }
            }

            if (batch.Count > 0)
            {
                continue;
            }

            bool ended;
            try
            {
                ended = await EndedAsync(store, runId, last, interval, cancellationToken).ConfigureAwait(false);
            }
            catch (RunStoreException ex) when (ex is not RunStoreDamagedException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (ended)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Nothing after <paramref name="last"/>: true when the run has ended with no event left to read (a watch that
    /// starts at or after its run_ended ends, rather than waiting for ever; its run_ended is committed with its
    /// state, so the events are read once more after the state was seen), or is gone; else waits for news.
    /// </summary>
    private static async Task<bool> EndedAsync(IRunStore store, string runId, long last, TimeSpan interval, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null || run.State.IsEnded())
        {
            return (await store.GetEventsAsync(runId, last, 1, cancellationToken).ConfigureAwait(false)).Count == 0;
        }

        await store.WaitForEventsAsync(runId, last, interval, cancellationToken).ConfigureAwait(false);
        return false;
    }
}
