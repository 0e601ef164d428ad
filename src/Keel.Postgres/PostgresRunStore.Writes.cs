using Keel.Postgres.Rows;
using Keel.Postgres.Schema;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    /// <inheritdoc />
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

            var created = RunCreated.For(run);
            await using (var insertEvent = new NpgsqlCommand(Sql($$"""
                WITH created AS (INSERT INTO {0}.events (run_id, sequence, type, body) VALUES ($1, 1, $2, $3))
                SELECT CASE WHEN EXISTS (SELECT 1 FROM {0}.watches w WHERE w.run_id = $1 AND w.expires > {{PostgresSchema.NowTicks}}) THEN pg_notify($4, 'run:' || $1) END,
                    CASE WHEN $5 THEN pg_notify($4, 'queue') END;
                """), connection, transaction))
            {
                insertEvent.With(run.RunId).With(RunEventJson.TypeName(created)).With(RunEventJson.Serialize(created)).With(Listener.Channel).With(run.State == WorkflowState.Pending);
                await insertEvent.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
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

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
        => InTransactionAsync<IReadOnlyList<RunRecord>>(async (connection, transaction, ct) =>
        {
            var doomed = new List<RunRecord>();
            await using (var select = new NpgsqlCommand(Sql($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.updated_at < $1 AND r.state = ANY($2) AND (r.lease_owner IS NULL OR r.lease_expires IS NULL OR r.lease_expires <= $3) ORDER BY r.created_at DESC, r.run_id DESC FOR UPDATE OF r;"), connection, transaction).With(Names.Ticks(olderThan)).WithArray(states.Select(Names.Of).ToArray()).With(Names.Ticks(Clock.GetUtcNow())))
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
                    entries AS (DELETE FROM {0}.history WHERE run_id = ANY($1)),
                    events AS (DELETE FROM {0}.events WHERE run_id = ANY($1))
                    DELETE FROM {0}.definitions d WHERE d.definition_hash IN (SELECT definition_hash FROM gone)
                        AND NOT EXISTS (SELECT 1 FROM {0}.runs r WHERE r.definition_hash = d.definition_hash AND r.run_id <> ALL($1));
                    """), connection, transaction).WithArray(doomed.Select(r => r.RunId).ToArray());
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return doomed;
        }, cancellationToken);
}
