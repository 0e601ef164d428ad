using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;

namespace Keel;

public sealed partial class SqliteRunStore
{
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
            session.Tails.Forget(run.RunId);
            var exists = session.Command("SELECT 1 FROM runs WHERE run_id = $run_id;");
            exists.Parameters.Set("$run_id", run.RunId);
            if (exists.ExecuteScalar() is not null)
            {
                throw new KeelException($"Run '{run.RunId}' already exists in the SQLite run store '{session.Source}'.");
            }

            var runKey = (long)session.Command("SELECT COALESCE(max(run_key), 0) + 1 FROM runs;").ExecuteScalar()!;
            long size = RunRows.RowBytes(run, data, initialData);
            foreach (var row in rows)
            {
                var insertEntry = session.Command(HistoryRows.Insert);
                HistoryRows.Bind(insertEntry, run.RunId, runKey, row);
                size += row.Bytes + DataText.Bytes(run.RunId);
                insertEntry.ExecuteNonQuery();
            }

            var insert = session.Command(RunRows.Insert);
            RunRows.Bind(insert, runKey, run, data, initialData, history.Count, size);
            insert.ExecuteNonQuery();
            return true;
        }));
    }

    public ValueTask<long?> TryAcquireLeaseAsync(string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
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
            session.Tails.Forget(runId);
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
            session.Tails.Forget(runId);
            var update = session.Command("UPDATE runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $run_id AND fence = $fence AND lease_owner = $owner;");
            update.Parameters.Set("$run_id", runId);
            update.Parameters.Set("$owner", owner);
            update.Parameters.Set("$fence", fence);
            return update.ExecuteNonQuery() > 0;
        }));
    }

    public ValueTask<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        cancellationToken.ThrowIfCancellationRequested();
        var ticks = Names.Ticks(olderThan);
        var stateNames = DataText.Array(states.Select(Names.Of));
        return new(WriteAsync<IReadOnlyList<RunRecord>>(session =>
        {
            session.Tails.Clear();
            var select = session.Command($"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE COALESCE(p.pos_updated, r.updated_at) < $before AND r.state IN (SELECT value FROM json_each($states)) ORDER BY r.created_at DESC, r.run_id DESC;");
            select.Parameters.Set("$before", ticks);
            select.Parameters.Set("$states", stateNames);
            var doomed = new List<RunRecord>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    doomed.Add(Decode.Run(reader, session.Source));
                }
            }

            var delete = session.Command("""
                DELETE FROM run_origins WHERE run_id IN (SELECT value FROM json_each($ids));
                DELETE FROM runs WHERE run_id IN (SELECT value FROM json_each($ids));
                DELETE FROM definitions WHERE definition_hash NOT IN (SELECT definition_hash FROM runs);
                """);
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
