using Keel.Postgres.Rows;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    public async ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        var data = DataText.Write(run.Data);
        var initialData = DataText.Write(run.InitialData);
        var rows = history.Select(HistoryRows.Prepare).ToArray();
        var size = RunRows.RowBytes(run, data, initialData) + rows.Sum(r => r.Bytes);
        var created = await InTransactionAsync(async (connection, transaction, ct) =>
        {
            await using (var insert = new NpgsqlCommand(Sql(RunRows.Insert), connection, transaction))
            {
                RunRows.Bind(insert, run, data, initialData, rows.Length, size);
                if (await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            foreach (var row in rows)
            {
                await using var insertEntry = new NpgsqlCommand(Sql($"INSERT INTO {{0}}.history ({HistoryRows.Columns}) VALUES ({HistoryRows.Values(1)});"), connection, transaction);
                HistoryRows.Bind(insertEntry, run.RunId, row);
                await insertEntry.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);

        if (!created)
        {
            throw new KeelException($"Run '{run.RunId}' already exists in the PostgreSQL run store {DataSource}.");
        }
    }

    public async ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        var (exists, fence) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("""
                WITH taken AS (
                    UPDATE {0}.runs SET lease_owner = $2, lease_expires = $4, fence = fence + 1
                    WHERE run_id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires IS NULL OR lease_expires <= $3)
                    RETURNING fence
                )
                SELECT EXISTS (SELECT 1 FROM {0}.runs WHERE run_id = $1), (SELECT fence FROM taken);
                """), connection)
                .With(runId)
                .With(owner)
                .With(Names.Ticks(now))
                .With(Names.Ticks(now + duration));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.IsDBNull(1) ? (long?)null : reader.GetInt64(1));
        }, cancellationToken).ConfigureAwait(false);

        return exists ? fence : throw new RunNotFoundException(runId);
    }

    public ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        return UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("UPDATE {0}.runs SET lease_expires = $4 WHERE run_id = $1 AND lease_owner = $2 AND fence = $3;"), connection)
                .With(runId)
                .With(owner)
                .With(fence)
                .With(Names.Ticks(expires));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    public async ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("UPDATE {0}.runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $1 AND lease_owner = $2 AND fence = $3;"), connection)
                .With(runId)
                .With(owner)
                .With(fence);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
        => InTransactionAsync<IReadOnlyList<RunRecord>>(async (connection, transaction, ct) =>
        {
            var doomed = new List<RunRecord>();
            await using (var select = new NpgsqlCommand(Sql($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.updated_at < $1 AND r.state = ANY($2) ORDER BY r.created_at DESC, r.run_id DESC FOR UPDATE OF r;"), connection, transaction).With(Names.Ticks(olderThan)).WithArray(states.Select(Names.Of).ToArray()))
            await using (var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    doomed.Add(RunRows.Read(reader));
                }
            }

            if (doomed.Count > 0)
            {
                await using var delete = new NpgsqlCommand(Sql("""
                    WITH gone AS (DELETE FROM {0}.runs WHERE run_id = ANY($1) RETURNING definition_hash),
                    entries AS (DELETE FROM {0}.history WHERE run_id = ANY($1))
                    DELETE FROM {0}.definitions d WHERE d.definition_hash IN (SELECT definition_hash FROM gone)
                        AND NOT EXISTS (SELECT 1 FROM {0}.runs r WHERE r.definition_hash = d.definition_hash AND r.run_id <> ALL($1));
                    """), connection, transaction).WithArray(doomed.Select(r => r.RunId).ToArray());
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return doomed;
        }, cancellationToken);
}
