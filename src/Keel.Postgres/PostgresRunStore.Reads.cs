using System.Text;
using Keel.Postgres.Rows;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return UseAsync<RunRecord?>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.run_id = $1;"), connection).With(runId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? RunRows.Read(reader) : null;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return UseAsync<IReadOnlyList<HistoryEntry>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql($"SELECT {HistoryRows.Columns} FROM {{0}}.history WHERE run_id = $1 ORDER BY sequence;"), connection).With(runId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var history = new List<HistoryEntry>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                history.Add(HistoryRows.Read(reader));
            }

            return history;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return UseAsync<IReadOnlyList<RunRecord>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand { Connection = connection };
            var sql = new StringBuilder($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE true");
            var n = 0;
            string Next() => "$" + (++n).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (query.WorkflowName is { } workflow)
            {
                sql.Append(" AND r.workflow_name = ").Append(Next());
                command.With(workflow);
            }

            if (query.State is { } state)
            {
                sql.Append(" AND r.state = ").Append(Next());
                command.With(Names.Of(state));
            }

            if (query.CreatedAfter is { } after)
            {
                sql.Append(" AND r.created_at >= ").Append(Next());
                command.With(Names.Ticks(after));
            }

            if (query.CreatedBefore is { } before)
            {
                sql.Append(" AND r.created_at < ").Append(Next());
                command.With(Names.Ticks(before));
            }

            if (query.LeaseFreeAt is { } free)
            {
                var p = Next();
                sql.Append($" AND (r.lease_owner IS NULL OR r.lease_expires IS NULL OR r.lease_expires <= {p})");
                command.With(Names.Ticks(free));
            }

            if (query.After is { } cursor)
            {
                var at = Next();
                var id = Next();
                sql.Append($" AND (r.created_at < {at} OR (r.created_at = {at} AND r.run_id < {id}))");
                command.With(Names.Ticks(cursor.CreatedAt)).With(cursor.RunId);
            }

            sql.Append(" ORDER BY r.created_at DESC, r.run_id DESC LIMIT ").Append(Next()).Append(';');
            command.With(Math.Max(0, query.Limit));
            command.CommandText = Sql(sql.ToString());
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var runs = new List<RunRecord>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                runs.Add(RunRows.Read(reader));
            }

            return runs;
        }, cancellationToken);
    }

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

    /// <summary>Returns at once when the run has newer events, else after <paramref name="timeout"/> (polling).</summary>
    public async ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var newest = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT last_event FROM {0}.runs WHERE run_id = $1;"), connection).With(runId);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long value ? value : long.MaxValue;
        }, cancellationToken).ConfigureAwait(false);
        if (newest <= afterSequence)
        {
            await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
        }
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
