using System.Text;
using Keel.Postgres.Rows;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    /// <inheritdoc />
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

    /// <inheritdoc />
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

    /// <inheritdoc />
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

            if (query.ParentRunId is { } parent)
            {
                sql.Append(" AND r.parent_run_id = ").Append(Next());
                command.With(parent);
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
                sql.Append($" AND (r.created_at < {at} OR (r.created_at = {at} AND r.run_id COLLATE \"C\" < {id}))");
                command.With(Names.Ticks(cursor.CreatedAt)).With(cursor.RunId);
            }

            sql.Append(" ORDER BY r.created_at DESC, r.run_id COLLATE \"C\" DESC LIMIT ").Append(Next()).Append(';');
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
}
