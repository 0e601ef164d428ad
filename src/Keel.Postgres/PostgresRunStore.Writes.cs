using Keel.Postgres.Rows;
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
        var created = RunCreated.For(run);
        var inserted = await InTransactionAsync(async (connection, transaction, ct) =>
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

            await InsertEventsAsync(connection, transaction, run.RunId, [created], ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

        if (!inserted)
        {
            throw new KeelException($"Run '{run.RunId}' already exists in the PostgreSQL run store {DataSource}.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        var (exists, fence) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("""
                WITH taken AS (
                    UPDATE {0}.runs SET lease_owner = $2, lease_expires = $4, fence = fence + 1
                    WHERE run_id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires IS NULL OR lease_expires <= $3 OR lease_owner = ANY($5))
                    RETURNING fence
                )
                SELECT EXISTS (SELECT 1 FROM {0}.runs WHERE run_id = $1), (SELECT fence FROM taken);
                """), connection)
                .With(runId)
                .With(owner)
                .With(Names.Ticks(now))
                .With(Names.Ticks(now + duration))
                .WithArray(deadOwners?.ToArray() ?? []);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.IsDBNull(1) ? (long?)null : reader.GetInt64(1));
        }, cancellationToken).ConfigureAwait(false);

        return exists ? fence : throw new RunNotFoundException(runId);
    }

    /// <inheritdoc />
    public ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        var expires = Clock.GetUtcNow() + duration;
        return UseAsync<RunControl?>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("UPDATE {0}.runs SET lease_expires = $4 WHERE run_id = $1 AND lease_owner = $2 AND fence = $3 RETURNING control;"), connection)
                .With(runId)
                .With(owner)
                .With(fence)
                .With(Names.Ticks(expires));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? Names.Control(reader.IsDBNull(0) ? null : reader.GetString(0)) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = Clock.GetUtcNow();
        return UseAsync<IReadOnlyList<ClaimedRun>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("""
                WITH free AS (
                    SELECT run_id, lease_owner FROM {0}.runs
                    WHERE state IN ('pending', 'running')
                        AND (lease_owner IS NULL OR lease_expires IS NULL OR lease_expires <= $1 OR lease_owner = ANY($2))
                        AND ($3::text[] IS NULL OR definition_hash = ANY($3))
                        AND run_id <> ALL($7)
                    ORDER BY created_at, run_id
                    LIMIT $4
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE {0}.runs r SET lease_owner = $5, lease_expires = $6, fence = r.fence + 1
                FROM free WHERE r.run_id = free.run_id
                RETURNING r.run_id, r.fence, free.lease_owner, r.created_at;
                """), connection)
                .With(Names.Ticks(now))
                .WithArray(request.DeadOwners?.ToArray() ?? [])
                .WithArray(request.DefinitionHashes?.ToArray()!)
                .With(Math.Max(0, request.Limit))
                .With(request.Owner)
                .With(Names.Ticks(now + request.LeaseDuration))
                .WithArray(request.Excluding?.ToArray() ?? []);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var claimed = new List<(ClaimedRun Run, long CreatedAt)>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                claimed.Add((new ClaimedRun(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)), reader.GetInt64(3)));
            }

            return claimed.OrderBy(c => c.CreatedAt).ThenBy(c => c.Run.RunId, StringComparer.Ordinal).Select(c => c.Run).ToArray();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var none = request.Control == RunControl.None;
        var (exists, recorded) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("""
                WITH asked AS (
                    UPDATE {0}.runs SET control = $2, control_by = $3, control_reason = $4
                    WHERE run_id = $1 AND state NOT IN ('completed', 'failed', 'cancelled')
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM {0}.runs WHERE run_id = $1), EXISTS (SELECT 1 FROM asked);
                """), connection)
                .With(request.RunId)
                .With(Names.Of(request.Control))
                .With(none ? null : request.By)
                .With(none ? null : request.Reason);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.GetBoolean(1));
        }, cancellationToken).ConfigureAwait(false);
        return exists ? recorded : throw new RunNotFoundException(request.RunId);
    }

    /// <summary>Inserts events of one run (inside the caller's transaction).</summary>
    private async Task InsertEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string runId, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand(Sql("""
            WITH added AS (
                INSERT INTO {0}.events (run_id, sequence, type, body) SELECT $1, s, t, b FROM unnest($2::bigint[], $3::text[], $4::text[]) AS e(s, t, b)
            )
            UPDATE {0}.runs SET last_event = $5 WHERE run_id = $1;
            """), connection, transaction)
            .With(runId);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint, Value = events.Select(e => e.Sequence).ToArray() });
        insert
            .WithArray(events.Select(e => e.Type).ToArray())
            .WithArray(events.Select(RunEventJson.Serialize).ToArray())
            .With(events[^1].Sequence);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
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

    /// <inheritdoc />
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
