using Keel.Sqlite.Rows;
using Keel.Sqlite.Writing;

namespace Keel;

public sealed partial class SqliteRunStore
{
    private const string SelectPosition = "SELECT fence, lease_owner, lease_expires, cost, length(CAST(data AS BLOB)), state FROM runs WHERE run_id = $run_id;";

    // Two forms of the same update: the state is indexed, so it is written only when it changes.
    private const string UpdatePositionAndState = "UPDATE runs SET state = $state, " + UpdatePositionColumns;

    private const string UpdatePosition = "UPDATE runs SET " + UpdatePositionColumns;

    private const string UpdatePositionColumns = """
        current_step = $current_step, visit = $visit, attempt = $attempt,
            steps_taken = $steps_taken, error = $error, data = COALESCE($data, data), updated_at = $updated_at,
            lease_expires = COALESCE($lease_expires, lease_expires), history_count = history_count + $added,
            size_bytes = size_bytes + $size_delta, input_tokens = input_tokens + $input_tokens,
            output_tokens = output_tokens + $output_tokens, cost = $cost
        WHERE run_id = $run_id;
        """;

    public ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        cancellationToken.ThrowIfCancellationRequested();
        var data = DataText.Write(run.Data);
        var initialData = DataText.Write(run.InitialData);
        var rows = history.Select(HistoryRows.Prepare).ToArray();
        return new(WriteAsync(session =>
        {
            var exists = session.Command("SELECT 1 FROM runs WHERE run_id = $run_id;");
            exists.Parameters.Set("$run_id", run.RunId);
            if (exists.ExecuteScalar() is not null)
            {
                throw new KeelException($"Run '{run.RunId}' already exists in the SQLite run store '{session.Source}'.");
            }

            long size = RunRows.RowBytes(run, data, initialData);
            foreach (var row in rows)
            {
                var insertEntry = session.Command(HistoryRows.Insert);
                HistoryRows.Bind(insertEntry, run.RunId, row);
                size += row.Bytes + DataText.Bytes(run.RunId);
                insertEntry.ExecuteNonQuery();
            }

            var insert = session.Command(RunRows.Insert);
            RunRows.Bind(insert, run, data, initialData, history.Count, size);
            insert.ExecuteNonQuery();
            return true;
        }));
    }

    public ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var data = checkpoint.Data is { } snapshot ? DataText.Write(snapshot) : null;
        var row = checkpoint.Entry is { } entry ? HistoryRows.Prepare(entry) : null;
        return new(WriteAsync(session => Commit(session, checkpoint, data, row)));
    }

    private static bool Commit(WriteSession session, Checkpoint checkpoint, string? data, PreparedEntry? row)
    {
        var select = session.Command(SelectPosition);
        select.Parameters.Set("$run_id", checkpoint.RunId);
        long fence;
        string? owner;
        DateTimeOffset? expires;
        decimal? cost;
        long oldDataBytes;
        string state;
        using (var reader = select.ExecuteReader())
        {
            if (!reader.Read())
            {
                throw new RunNotFoundException(checkpoint.RunId);
            }

            fence = reader.GetInt64(0);
            owner = reader.IsDBNull(1) ? null : reader.GetString(1);
            expires = reader.IsDBNull(2) ? null : Names.Time(reader.GetInt64(2));
            cost = Names.Decimal(reader.IsDBNull(3) ? null : reader.GetString(3));
            oldDataBytes = reader.GetInt64(4);
            state = reader.GetString(5);
        }

        if (fence != checkpoint.Fence)
        {
            throw new RunOwnedElsewhereException(checkpoint.RunId, owner, expires);
        }

        var entry = checkpoint.Entry;
        var usage = entry?.Usage;
        if (usage?.Cost is { } added)
        {
            cost = (cost ?? 0) + added;
        }

        long sizeDelta = data is null ? 0 : DataText.Bytes(data) - oldDataBytes;
        if (row is not null)
        {
            sizeDelta += row.Bytes + DataText.Bytes(checkpoint.RunId);
        }

        var newState = Names.Of(checkpoint.State);
        var update = session.Command(newState == state ? UpdatePosition : UpdatePositionAndState);
        var p = update.Parameters;
        p.Set("$run_id", checkpoint.RunId);
        if (newState != state)
        {
            p.Set("$state", newState);
        }

        p.Set("$current_step", checkpoint.CurrentStep);
        p.Set("$visit", checkpoint.Visit);
        p.Set("$attempt", checkpoint.Attempt);
        p.Set("$steps_taken", checkpoint.StepsTaken);
        p.Set("$error", Names.Db(checkpoint.Error));
        p.Set("$data", Names.Db(data));
        p.Set("$updated_at", Names.Ticks(checkpoint.UpdatedAt));
        p.Set("$lease_expires", Names.Ticks(checkpoint.LeaseExpires));
        p.Set("$added", entry is null ? 0 : 1);
        p.Set("$size_delta", sizeDelta);
        p.Set("$input_tokens", usage?.InputTokens ?? 0);
        p.Set("$output_tokens", usage?.OutputTokens ?? 0);
        p.Set("$cost", Names.Text(cost));
        update.ExecuteNonQuery();
        if (row is not null)
        {
            var insert = session.Command(HistoryRows.Insert);
            HistoryRows.Bind(insert, checkpoint.RunId, row);
            insert.ExecuteNonQuery();
        }

        return true;
    }

    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        return new(WriteAsync<long?>(session =>
        {
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

            if (holder is not null && holder != owner && expires > Names.Ticks(now))
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

    public ValueTask<bool> RenewLeaseAsync(string runId, string owner, long fence, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        return new(WriteAsync(session =>
        {
            var update = session.Command("UPDATE runs SET lease_expires = $expires WHERE run_id = $run_id AND fence = $fence AND lease_owner = $owner;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$fence", fence);
            update.Parameters.Set("$expires", Names.Ticks(expires));
            return update.ExecuteNonQuery() > 0;
        }));
    }

    public ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(owner);
        return new(WriteAsync(session =>
        {
            var update = session.Command("UPDATE runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $run_id AND fence = $fence AND lease_owner = $owner;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$fence", fence);
            return update.ExecuteNonQuery() > 0;
        }));
    }

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ticks = Names.Ticks(olderThan);
        return new(WriteAsync<IReadOnlyList<RunRecord>>(session =>
        {
            var select = session.Command($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.updated_at < $before ORDER BY r.created_at DESC, r.run_id DESC;");
            select.Parameters.Set("$before", ticks);
            var doomed = new List<RunRecord>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    doomed.Add(RunRows.Read(reader));
                }
            }

            var delete = session.Command("""
                DELETE FROM history WHERE run_id IN (SELECT run_id FROM runs WHERE updated_at < $before);
                DELETE FROM run_origins WHERE run_id IN (SELECT run_id FROM runs WHERE updated_at < $before);
                DELETE FROM runs WHERE updated_at < $before;
                DELETE FROM definitions WHERE definition_hash NOT IN (SELECT definition_hash FROM runs);
                """);
            delete.Parameters.Set("$before", ticks);
            delete.ExecuteNonQuery();
            return doomed;
        }));
    }
}
