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

    /// <summary>
    /// Push, not poll: subscribes to the run's notifications (sent by every commit in its transaction), then
    /// looks at the run's newest event, then waits for a notification or <paramref name="timeout"/>.
    /// </summary>
    public async ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
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
