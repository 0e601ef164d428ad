using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;

namespace Keel;

public sealed partial class SqliteRunStore
{
    private const string RunExists = "SELECT 1 FROM runs WHERE run_id = ?1;";

    private const string NextRunKey = "SELECT COALESCE(max(run_key), 0) + 1 FROM runs;";

    /// <summary>
    /// Creates the run in a transaction that is not synced on its own (<c>synchronous = NORMAL</c>): it
    /// survives a killed process at once, and a power loss from the next synced commit of the file on (the
    /// run's own first attempt, at the latest), so a run's creation costs no sync of its own.
    /// </summary>
    public ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        cancellationToken.ThrowIfCancellationRequested();
        var data = DataText.Write(run.Data);
        var initialData = DataText.Write(run.InitialData);
        var rows = history.Select(HistoryRows.Prepare).ToArray();
        var created = EventRows.Prepare([RunCreated.For(run)]);
        return new(WriteRelaxedAsync(session =>
        {
            session.Tails.Forget(run.RunId);
            var exists = session.Statement(RunExists);
            exists.Bind(1, run.RunId);
            if (exists.Step())
            {
                exists.Reset();
                throw new KeelException($"Run '{run.RunId}' already exists in the SQLite run store '{session.Source}'.");
            }

            var next = session.Statement(NextRunKey);
            var runKey = next.Step() ? next.Int64(0) : 1;
            next.Reset();
            long size = RunRows.RowBytes(run, data, initialData);
            for (var i = 0; i < rows.Length; i++)
            {
                var row = rows[i];
                var insertEntry = session.Script(HistoryRows.Insert);
                HistoryRows.Bind(insertEntry, run.RunId, runKey, row, i);
                size += row.Bytes + DataText.Bytes(run.RunId);
                insertEntry.Run();
            }

            var insert = session.Script(RunRows.Insert);
            RunRows.Bind(insert, runKey, run, data, initialData, history.Count, size);
            insert.Run();
            EventRows.Write(session, runKey, run.RunId, 1, created, rows.Length);
            return true;
        }));
    }

    /// <inheritdoc />
    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, TimeSpan duration, IReadOnlyCollection<string>? deadOwners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        return new(WriteAsync<long?>(session =>
        {
            session.Tails.Forget(runId);
            var select = session.Command("SELECT lease_owner, lease_expires, fence FROM runs WHERE run_id = $run_id;");
            select.Parameters.Set("$run_id", runId);
            string? holder;
            long? expires;
            long fence;
            using (var reader = select.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw new RunNotFoundException(runId);
                }

                holder = reader.IsDBNull(0) ? null : reader.GetString(0);
                expires = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                fence = reader.GetInt64(2);
            }

            var now = Clock.GetUtcNow();
            if (holder is not null && holder != owner && expires > Names.Ticks(now) && deadOwners?.Contains(holder) != true)
            {
                return null;
            }

            var update = session.Command("UPDATE runs SET lease_owner = $owner, lease_expires = $expires, fence = $fence WHERE run_id = $run_id;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$expires", Names.Ticks(now + duration));
            update.Parameters.Set("$fence", fence + 1);
            update.ExecuteNonQuery();
            return fence + 1;
        }));
    }

    /// <inheritdoc />
    public ValueTask<RunControl?> RenewLeaseAsync(string runId, string owner, long fence, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        return new(WriteAsync<RunControl?>(session =>
        {
            session.Tails.Forget(runId);
            var update = session.Command("UPDATE runs SET lease_expires = $expires WHERE run_id = $run_id AND fence = $fence AND lease_owner = $owner RETURNING control;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$fence", fence);
            update.Parameters.Set("$expires", Names.Ticks(Clock.GetUtcNow() + duration));
            using var reader = update.ExecuteReader();
            return reader.Read() ? Names.Control(reader.IsDBNull(0) ? null : reader.GetString(0)) : null;
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ClaimedRun>> ClaimRunsAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var dead = DataText.Array(request.DeadOwners ?? []);
        var hashes = request.DefinitionHashes is { } pinned ? DataText.Array(pinned) : null;
        var excluding = DataText.Array(request.Excluding ?? []);
        return new(WriteAsync<IReadOnlyList<ClaimedRun>>(session =>
        {
            var now = Names.Ticks(Clock.GetUtcNow());
            var select = session.Command("""
                SELECT run_id, fence, lease_owner FROM runs
                WHERE state IN ('pending', 'running')
                    AND (lease_owner IS NULL OR lease_expires IS NULL OR lease_expires <= $now OR lease_owner IN (SELECT value FROM json_each($dead)))
                    AND ($hashes IS NULL OR definition_hash IN (SELECT value FROM json_each($hashes)))
                    AND run_id NOT IN (SELECT value FROM json_each($excluding))
                ORDER BY created_at, run_id LIMIT $limit;
                """);
            select.Parameters.Set("$now", now);
            select.Parameters.Set("$dead", dead);
            select.Parameters.Set("$hashes", Names.Db(hashes));
            select.Parameters.Set("$excluding", excluding);
            select.Parameters.Set("$limit", Math.Max(0, request.Limit));
            var claimed = new List<ClaimedRun>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    claimed.Add(new ClaimedRun(reader.GetString(0), reader.GetInt64(1) + 1, reader.IsDBNull(2) ? null : reader.GetString(2)));
                }
            }

            var update = session.Command("UPDATE runs SET lease_owner = $owner, lease_expires = $expires, fence = $fence WHERE run_id = $run_id;");
            foreach (var run in claimed)
            {
                session.Tails.Forget(run.RunId);
                update.Parameters.Set("$run_id", run.RunId);
                update.Parameters.Set("$owner", request.Owner);
                update.Parameters.Set("$expires", now + request.LeaseDuration.Ticks);
                update.Parameters.Set("$fence", run.Fence);
                update.ExecuteNonQuery();
            }

            return claimed;
        }));
    }

    /// <inheritdoc />
    public ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        return new(WriteAsync(session =>
        {
            session.Tails.Forget(request.RunId);
            var update = session.Command("""
                UPDATE runs SET control = $control, control_by = $by, control_reason = $reason
                WHERE run_id = $run_id AND state NOT IN ('completed', 'failed', 'cancelled');
                """);
            var none = request.Control == RunControl.None;
            update.Parameters.Set("$run_id", request.RunId);
            update.Parameters.Set("$control", Names.Of(request.Control));
            update.Parameters.Set("$by", none ? DBNull.Value : request.By);
            update.Parameters.Set("$reason", none ? DBNull.Value : Names.Db(request.Reason));
            if (update.ExecuteNonQuery() > 0)
            {
                return true;
            }

            var exists = session.Command("SELECT 1 FROM runs WHERE run_id = $run_id;");
            exists.Parameters.Set("$run_id", request.RunId);
            return exists.ExecuteScalar() is null ? throw new RunNotFoundException(request.RunId) : false;
        }));
    }

    /// <inheritdoc />
    public ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        return new(WriteAsync(session =>
        {
            session.Tails.Forget(runId);
            var update = session.Command("UPDATE runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $run_id AND fence = $fence AND lease_owner = $owner;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$fence", fence);
            return update.ExecuteNonQuery() > 0;
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        cancellationToken.ThrowIfCancellationRequested();
        var ticks = Names.Ticks(olderThan);
        var stateNames = DataText.Array(states.Select(Names.Of));
        return new(WriteAsync<IReadOnlyList<RunRecord>>(session =>
        {
            session.Tails.Clear();
            // A run whose lease is live is being driven (an attempt can outlast the age): never deleted.
            var select = session.Command($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE COALESCE(p.pos_updated, r.updated_at) < $before AND r.state IN (SELECT value FROM json_each($states)) AND (r.lease_owner IS NULL OR r.lease_expires IS NULL OR r.lease_expires <= $now) ORDER BY r.created_at DESC, r.run_id DESC;");
            select.Parameters.Set("$before", ticks);
            select.Parameters.Set("$states", stateNames);
            select.Parameters.Set("$now", Names.Ticks(Clock.GetUtcNow()));
            var doomed = new List<RunRecord>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    doomed.Add(Decode.Run(reader, session.Source));
                }
            }

            var delete = session.Command("""
                DELETE FROM run_origins WHERE run_key IN (SELECT run_key FROM runs WHERE run_id IN (SELECT value FROM json_each($ids)));
                DELETE FROM runs WHERE run_id IN (SELECT value FROM json_each($ids));
                DELETE FROM definitions WHERE definition_hash NOT IN (SELECT definition_hash FROM runs);
                """);
            // A run's key range holds its history entries and its events.
            var deleteHistory = session.Command($"""
                DELETE FROM history WHERE entry_key BETWEEN (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale}
                    AND (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1;
                """);
            foreach (var run in doomed)
            {
                deleteHistory.Parameters.Set("$run_id", run.RunId);
                deleteHistory.ExecuteNonQuery();
            }

            delete.Parameters.Set("$ids", DataText.Array(doomed.Select(r => r.RunId)));
            delete.ExecuteNonQuery();
            return doomed;
        }));
    }
}
