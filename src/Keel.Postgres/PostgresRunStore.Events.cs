using Keel.Postgres.Schema;
using Keel.Postgres.Notifications;
using Keel.Postgres.Rows;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return UseAsync<IReadOnlyList<RunEvent>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT body FROM {0}.events WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3;"), connection)
                .With(runId)
                .With(afterSequence)
                .With(Math.Max(0, limit));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var events = new List<RunEvent>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                events.Add(RunEventJson.Deserialize(reader.GetString(0)));
            }

            return events;
        }, cancellationToken);
    }

    /// <summary>How long a watch row lives unless its watcher renews it (renewed when less than half is left).</summary>
    private static readonly TimeSpan WatchTerm = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The first wait after a watch row is written is at most this long: a commit whose statement began
    /// before the row was committed did not see it and sent no notification.
    /// </summary>
    private static readonly TimeSpan FirstWatchWait = TimeSpan.FromMilliseconds(250);

    private readonly string _watcherId = Guid.NewGuid().ToString("N");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _watchedUntil = new(StringComparer.Ordinal);

    /// <summary>
    /// Push, not poll: marks the run watched (a row in <c>watches</c>, renewed while this store waits on it,
    /// which makes every commit of the run notify its key), subscribes to the run's notifications, then looks
    /// at the run's newest event, then waits for a notification or <paramref name="timeout"/>.
    /// </summary>
    public async ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (await WatchAsync(runId, cancellationToken).ConfigureAwait(false) && timeout > FirstWatchWait)
        {
            timeout = FirstWatchWait;
        }

        var changed = Listener.Subscribe("run:" + runId);
        var last = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT last_event FROM {0}.runs WHERE run_id = $1;"), connection).With(runId);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long sequence ? sequence : long.MaxValue;
        }, cancellationToken).ConfigureAwait(false);
        if (last > afterSequence)
        {
            return;
        }

        await PostgresListener.WaitAsync(changed, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes (or renews) this store's watch row for the run when it has none or less than half its term is
    /// left, dropping every expired row on the way; true when the row is new (not a renewal of a live one).
    /// </summary>
    private async ValueTask<bool> WatchAsync(string runId, CancellationToken cancellationToken)
    {
        // Renewal is timed on this process's monotonic clock; the row's expiry is the server's clock plus the term.
        var now = Environment.TickCount64;
        var known = _watchedUntil.TryGetValue(runId, out var until);
        if (known && until - now > (long)WatchTerm.TotalMilliseconds / 2)
        {
            return false;
        }

        await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql($$"""
                WITH gone AS (DELETE FROM {0}.watches WHERE expires <= {{PostgresSchema.NowTicks}} AND NOT (run_id = $1 AND watcher = $2))
                INSERT INTO {0}.watches (run_id, watcher, expires) VALUES ($1, $2, {{PostgresSchema.NowTicks}} + $3)
                    ON CONFLICT (run_id, watcher) DO UPDATE SET expires = EXCLUDED.expires;
                """), connection).With(runId).With(_watcherId).With(WatchTerm.Ticks);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _watchedUntil[runId] = now + (long)WatchTerm.TotalMilliseconds;
        if (_watchedUntil.Count > 1024)
        {
            // A long-lived process watches many runs over time: forget the ones whose rows have expired.
            foreach (var (id, deadline) in _watchedUntil)
            {
                if (deadline <= now)
                {
                    _watchedUntil.TryRemove(id, out _);
                }
            }
        }

        return !known || until <= now;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken)
        => UseAsync<IReadOnlyDictionary<WorkflowState, int>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT state, count(*)::int FROM {0}.runs GROUP BY state;"), connection);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var counts = new Dictionary<WorkflowState, int>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                counts[Names.State(reader.GetString(0))] = reader.GetInt32(1);
            }

            return counts;
        }, cancellationToken);
}
