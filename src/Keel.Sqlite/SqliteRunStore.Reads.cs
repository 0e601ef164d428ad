using System.Text;
using Keel.Sqlite;
using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel;

public sealed partial class SqliteRunStore
{
    public ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.run_id = $run_id;";
            command.Parameters.AddWithValue("$run_id", runId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? RunRows.Read(reader) : null;
        }));
    }

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<HistoryEntry>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {HistoryRows.Columns} FROM history
                WHERE entry_key BETWEEN (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale}
                    AND (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1
                ORDER BY entry_key;
                """;
            command.Parameters.AddWithValue("$run_id", runId);
            using var reader = command.ExecuteReader();
            var history = new List<HistoryEntry>();
            while (reader.Read())
            {
                history.Add(HistoryRows.Read(reader));
            }

            return history;
        }));
    }

    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<RunRecord>>(connection =>
        {
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE 1 = 1");
            if (query.WorkflowName is { } workflow)
            {
                sql.Append(" AND r.workflow_name = $workflow");
                command.Parameters.AddWithValue("$workflow", workflow);
            }

            if (query.State is { } state)
            {
                sql.Append(" AND r.state = $state");
                command.Parameters.AddWithValue("$state", Names.Of(state));
            }

            if (query.CreatedAfter is { } after)
            {
                sql.Append(" AND r.created_at >= $after");
                command.Parameters.AddWithValue("$after", Names.Ticks(after));
            }

            if (query.CreatedBefore is { } before)
            {
                sql.Append(" AND r.created_at < $before");
                command.Parameters.AddWithValue("$before", Names.Ticks(before));
            }

            if (query.LeaseFreeAt is { } free)
            {
                sql.Append(" AND (r.lease_owner IS NULL OR r.lease_expires IS NULL OR r.lease_expires <= $free)");
                command.Parameters.AddWithValue("$free", Names.Ticks(free));
            }

            sql.Append(" ORDER BY r.created_at DESC, r.run_id DESC LIMIT $limit;");
            command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            var runs = new List<RunRecord>();
            while (reader.Read())
            {
                runs.Add(RunRows.Read(reader));
            }

            return runs;
        }));
    }

    private T Read<T>(Func<SqliteConnection, T> read)
    {
        try
        {
            using var connection = OpenReader();
            return read(connection);
        }
        catch (SqliteException ex)
        {
            throw SqliteErrors.Translate(ex, DataSource);
        }
    }
}
