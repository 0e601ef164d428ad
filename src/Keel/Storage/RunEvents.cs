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
            var batch = await store.GetEventsAsync(runId, last, 256, cancellationToken).ConfigureAwait(false);
            foreach (var runEvent in batch)
            {
                last = runEvent.Sequence;
                yield return runEvent;
                if (runEvent is RunEnded)
                {
                    yield break;
                }
            }

            if (batch.Count == 0)
            {
                // Nothing after the sequence: a run that has ended has no more events to come (a watch that
                // starts at or after its run_ended ends here, rather than waiting for ever). Its run_ended is
                // committed with its state, so the events are read once more after the state was seen.
                var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
                if (run is null || run.State.IsEnded())
                {
                    var rest = await store.GetEventsAsync(runId, last, 256, cancellationToken).ConfigureAwait(false);
                    if (rest.Count == 0)
                    {
                        yield break;
                    }

                    continue;
                }

                await store.WaitForEventsAsync(runId, last, interval, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
