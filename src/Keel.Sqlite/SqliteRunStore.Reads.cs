using System.Globalization;
using System.Text;
using Keel.Sqlite;
using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel;

public sealed partial class SqliteRunStore
{
    /// <inheritdoc />
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
            return reader.Read() ? Decode.Run(reader, DataSource) : null;
        }));
    }

    /// <inheritdoc />
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
                    AND event_type IS NULL
                ORDER BY entry_key;
                """;
            command.Parameters.AddWithValue("$run_id", runId);
            using var reader = command.ExecuteReader();
            var history = new List<HistoryEntry>();
            while (reader.Read())
            {
                history.Add(Decode.Entry(reader, DataSource, runId));
            }

            return history;
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<RunEvent>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = EventRows.SelectAfter;
            command.Parameters.AddWithValue("$run_id", runId);
            command.Parameters.AddWithValue("$after", Math.Max(0, afterSequence));
            command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
            using var reader = command.ExecuteReader();
            var events = new List<RunEvent>();
            while (reader.Read())
            {
                events.Add(RunEventJson.Deserialize(reader.GetString(0)));
            }

            return events;
        }));
    }

    /// <summary>
    /// Waits for this store's next commit (any run), or <paramref name="timeout"/>: commits by other
    /// processes are seen when the watcher reads again after the timeout (polling with a wake-up).
    /// </summary>
    public async ValueTask WaitForEventsAsync(string runId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var next = NextCommit();
        var newest = Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {RunRows.NewestEvent} FROM runs r WHERE r.run_id = $run_id;";
            command.Parameters.AddWithValue("$run_id", runId);
            return command.ExecuteScalar() is long value ? value : 0;
        });
        if (newest > afterSequence)
        {
            return;
        }

        try
        {
            await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing committed here meanwhile: the watcher reads again (another process may have).
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<WorkflowState, int>> CountRunsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyDictionary<WorkflowState, int>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT state, count(*) FROM runs GROUP BY state;";
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<WorkflowState, int>();
            while (reader.Read())
            {
                counts[Names.State(reader.GetString(0))] = reader.GetInt32(1);
            }

            return counts;
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<RunRecord>>(connection =>
        {
            using var command = connection.CreateCommand();
            var filters = new StringBuilder();
            if (query.WorkflowName is { } workflow)
            {
                filters.Append(" AND r.workflow_name = $workflow");
                command.Parameters.AddWithValue("$workflow", workflow);
            }

            if (query.ParentRunId is { } parent)
            {
                filters.Append(" AND r.parent_run_id = $parent");
                command.Parameters.AddWithValue("$parent", parent);
            }

            if (query.State is { } state)
            {
                filters.Append(" AND r.state = $state");
                command.Parameters.AddWithValue("$state", Names.Of(state));
            }

            if (query.CreatedAfter is { } after)
            {
                filters.Append(" AND r.created_at >= $after");
                command.Parameters.AddWithValue("$after", Names.Ticks(after));
            }

            if (query.CreatedBefore is { } before)
            {
                filters.Append(" AND r.created_at < $before");
                command.Parameters.AddWithValue("$before", Names.Ticks(before));
            }

            if (query.LeaseFreeAt is { } free)
            {
                filters.Append(" AND (r.lease_owner IS NULL OR r.lease_expires IS NULL OR r.lease_expires <= $free)");
                command.Parameters.AddWithValue("$free", Names.Ticks(free));
            }

            if (query.After is { } cursor)
            {
                filters.Append(" AND (r.created_at < $cursor_at OR (r.created_at = $cursor_at AND r.run_id < $cursor_id))");
                command.Parameters.AddWithValue("$cursor_at", Names.Ticks(cursor.CreatedAt));
                command.Parameters.AddWithValue("$cursor_id", cursor.RunId);
            }

            command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
            command.CommandText = query.WorkflowName is null && query.State is null && query.ParentRunId is null ? NewestOfEveryState(filters.ToString()) : $"""
                SELECT {RunRows.Columns} FROM {RunRows.From} WHERE 1 = 1{filters} {NewestFirst};
                """;
            return ReadRuns(connection, command, query);
        }));
    }

    private const string NewestFirst = "ORDER BY r.created_at DESC, r.run_id DESC LIMIT $limit";

    /// <summary>The stored name of every state a run can be in.</summary>
    private static readonly string[] StateNames = Enum.GetValues<WorkflowState>().Select(Names.Of).ToArray();

    /// <summary>
    /// A page of runs in any state, newest first, read through the index of runs by state and creation time:
    /// the newest page of each state, merged (the store keeps no index by creation time alone, so creating a
    /// run writes one B-tree fewer).
    /// </summary>
    private static string NewestOfEveryState(string filters)
    {
        var page = new StringBuilder();
        foreach (var state in StateNames)
        {
            page.Append(page.Length == 0 ? string.Empty : " UNION ALL ")
                .Append(CultureInfo.InvariantCulture, $"SELECT run_key FROM (SELECT r.run_key FROM runs r WHERE r.state = '{state}'{filters} {NewestFirst})");
        }

        return $"""
            SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.run_key IN ({page}) {NewestFirst};
            """;
    }

    /// <summary>
    /// Every run the query yields. When a row cannot be decoded, or SQLite finds the file corrupt on the way,
    /// salvages what it can (each run known to any table, read on its own) and throws
    /// <see cref="RunStoreDamagedException"/> carrying the runs read and naming the unreadable ones.
    /// </summary>
    private List<RunRecord> ReadRuns(SqliteConnection connection, SqliteCommand command, RunQuery query)
    {
        var runs = new List<RunRecord>();
        string? problem = null;
        Exception? cause = null;
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                try
                {
                    runs.Add(RunRows.Read(reader));
                }
                catch (Exception ex) when (Decode.IsUndecodable(ex) && ex is not SqliteException)
                {
                    problem ??= $"the row of run '{Decode.RunIdOf(reader)}' cannot be read ({ex.Message})";
                    cause ??= ex;
                }
            }
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamage(ex))
        {
            problem = $"{SqliteErrors.Describe(ex)} while listing runs";
            cause = ex;
        }

        if (problem is null)
        {
            return runs;
        }

        var (readable, unreadable) = Salvage(connection);
        var matching = readable.Where(r => Matches(r, query)).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal).Take(Math.Max(0, query.Limit)).ToArray();
        var named = unreadable.Count == 0 ? string.Empty : "; unreadable: " + string.Join(", ", unreadable.Select(id => $"'{id}'"));
        throw SqliteErrors.Damaged(DataSource, $"{problem}; {readable.Count} run(s) could still be read{named}", cause, matching, unreadable);
    }

    /// <summary>Each run any table knows of, read on its own: those that decode, and the ids of those that do not.</summary>
    private (List<RunRecord> Readable, List<string> Unreadable) Salvage(SqliteConnection connection)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var sql in (string[])["SELECT run_id FROM runs;", "SELECT run_id FROM run_origins;", "SELECT DISTINCT run_id FROM history;"])
        {
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    if (!reader.IsDBNull(0) && reader.GetValue(0) is string id)
                    {
                        ids.Add(id);
                    }
                }
            }
            catch (Exception ex) when (Decode.IsUndecodable(ex))
            {
                // Keep the ids read before the damage; the other tables may name the rest.
            }
        }

        var readable = new List<RunRecord>();
        var unreadable = new List<string>();
        foreach (var id in ids)
        {
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT {RunRows.Columns} FROM {RunRows.From} WHERE r.run_id = $run_id;";
                command.Parameters.AddWithValue("$run_id", id);
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    readable.Add(RunRows.Read(reader));
                }
                else
                {
                    unreadable.Add(id);
                }
            }
            catch (Exception ex) when (Decode.IsUndecodable(ex))
            {
                unreadable.Add(id);
            }
        }

        return (readable, unreadable);
    }

    private static bool Matches(RunRecord run, RunQuery query)
        => (query.WorkflowName is null || run.WorkflowName == query.WorkflowName)
            && (query.ParentRunId is null || run.ParentRunId == query.ParentRunId)
            && (query.State is null || run.State == query.State)
            && (query.CreatedAfter is null || run.CreatedAt >= query.CreatedAfter)
            && (query.CreatedBefore is null || run.CreatedAt < query.CreatedBefore)
            && (query.LeaseFreeAt is null || run.LeaseOwner is null || run.LeaseExpires is null || run.LeaseExpires <= query.LeaseFreeAt);

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
