using Keel.Postgres.Rows;
using Keel.Postgres.Schema;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    // Runs nobody drives, oldest first, locked with SKIP LOCKED so claimers racing each other take different
    // runs; the lease is then taken on the store's clock ($6: the injected clock's now, else the server's).
    private const string Claim = """
        WITH free AS (
            SELECT run_id, lease_owner AS previous FROM {0}.runs
            WHERE state IN ('pending', 'running')
                AND (lease_owner IS NULL OR lease_expires IS NULL OR lease_expires <= {now} OR lease_owner = ANY($4))
                AND ($5::text[] IS NULL OR definition_hash = ANY($5))
                AND run_id <> ALL($7)
            ORDER BY created_at, run_id COLLATE "C"
            LIMIT $3
            FOR UPDATE SKIP LOCKED
        )
        UPDATE {0}.runs r SET lease_owner = $1, lease_expires = {now} + $2, fence = r.fence + 1
        FROM free WHERE r.run_id = free.run_id
        RETURNING r.run_id, r.fence, free.previous;
        """;

    private const string Acquire = """
        WITH taken AS (
            UPDATE {0}.runs SET lease_owner = $2, lease_expires = {now} + $3, fence = fence + 1
            WHERE run_id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires IS NULL OR lease_expires <= {now} OR lease_owner = ANY($4))
            RETURNING fence
        )
        SELECT EXISTS (SELECT 1 FROM {0}.runs WHERE run_id = $1), (SELECT fence FROM taken);
        """;

    /// <summary>SQL with the schema and the store's now (<c>$6</c> when a clock was injected, else the server's clock) filled in.</summary>
    private string Timed(string template)
        => Sql(template).Replace("{now}", "COALESCE($6::bigint, " + PostgresSchema.NowTicks + ")", StringComparison.Ordinal);

    /// <summary>The injected clock's now, in ticks; null when the server's clock rules.</summary>
    private long? Now => _clock is { } clock ? clock.GetUtcNow().UtcTicks : null;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit <= 0)
        {
            return [];
        }

        return await UseAsync<IReadOnlyList<ClaimedRun>>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Timed(Claim), connection)
                .With(request.Owner)
                .With(request.LeaseDuration.Ticks)
                .With(request.Limit)
                .WithArray([.. request.DeadOwners ?? []])
                .WithArray(request.DefinitionHashes is { } hashes ? [.. hashes] : null)
                .With(Now)
                .WithArray([.. request.Excluding ?? []]);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var claimed = new List<ClaimedRun>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                claimed.Add(new ClaimedRun(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }

            return claimed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        var (exists, fence) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Timed(Acquire), connection)
                .With(runId)
                .With(owner)
                .With(duration.Ticks)
                .WithArray([.. deadOwners ?? []])
                .With((string?)null)
                .With(Now);
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
        return UseAsync<RunControl?>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Timed("UPDATE {0}.runs SET lease_expires = {now} + $4 WHERE run_id = $1 AND lease_owner = $2 AND fence = $3 AND $5::text IS NULL RETURNING control;"), connection)
                .With(runId)
                .With(owner)
                .With(fence)
                .With(duration.Ticks)
                .With((string?)null)
                .With(Now);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is string control ? Names.Control(control) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        await UseAsync(async (connection, ct) =>
        {
            // A run released while it still needs driving (interrupted, resumable) is news for the worker loops.
            await using var command = new NpgsqlCommand(Sql("""
                WITH released AS (
                    UPDATE {0}.runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $1 AND lease_owner = $2 AND fence = $3 RETURNING state
                )
                SELECT pg_notify($4, 'queue') FROM released WHERE state IN ('pending', 'running');
                """), connection)
                .With(runId)
                .With(owner)
                .With(fence)
                .With(Listener.Channel);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (exists, recorded) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("""
                WITH asked AS (
                    UPDATE {0}.runs SET control = $2, control_by = CASE WHEN $2 = 'none' THEN NULL ELSE $3 END,
                        control_reason = CASE WHEN $2 = 'none' THEN NULL ELSE $4 END
                    WHERE run_id = $1 AND state NOT IN ('completed', 'failed', 'cancelled')
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM {0}.runs WHERE run_id = $1), EXISTS (SELECT 1 FROM asked),
                    (SELECT pg_notify($5, 'run:' || $1) FROM asked), (SELECT pg_notify($5, 'queue') FROM asked);
                """), connection)
                .With(request.RunId)
                .With(Names.Of(request.Control))
                .With(request.By)
                .With(request.Reason)
                .With(Listener.Channel);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.GetBoolean(1));
        }, cancellationToken).ConfigureAwait(false);

        return exists ? recorded : throw new RunNotFoundException(request.RunId);
    }

    /// <summary>
    /// Waits until a run may have been queued, released or decided anywhere in the cluster (a LISTEN
    /// notification, subscribed to when called), or <paramref name="timeout"/> at the latest: what a worker
    /// loop waits on between claims.
    /// </summary>
    public ValueTask WaitForQueueAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var queued = Listener.Subscribe("queue");
        return new(Keel.Postgres.Notifications.PostgresListener.WaitAsync(queued, timeout, cancellationToken));
    }
}
