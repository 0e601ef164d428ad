using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;

namespace Keel.Sqlite.Rows;

/// <summary>Writes and reads rows of the <c>events</c> table (keyed <c>run_key * 2^24 + sequence</c>).</summary>
internal static class EventRows
{
    public const string Insert = "INSERT INTO events (event_key, type, body) VALUES (?1, ?2, ?3);";

    public const string SelectAfter = $"""
        SELECT e.body FROM events e
        WHERE e.event_key > (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + $after
            AND e.event_key <= (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1
        ORDER BY e.event_key LIMIT $limit;
        """;

    public const string DeleteOfRun = $"""
        DELETE FROM events WHERE event_key BETWEEN (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale}
            AND (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1;
        """;

    /// <summary>Events as text, serialised before the writer's turn (outside its transaction).</summary>
    public static (string Type, string Body)[] Prepare(IReadOnlyList<RunEvent> events)
    {
        if (events.Count == 0)
        {
            return [];
        }

        var rows = new (string, string)[events.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (events[i].Type, RunEventJson.Serialize(events[i]));
        }

        return rows;
    }

    /// <summary>Inserts the events numbered from <paramref name="first"/> of the run keyed <paramref name="runKey"/>.</summary>
    public static void Write(WriteSession session, long runKey, string runId, long first, (string Type, string Body)[] rows)
    {
        if (rows.Length == 0)
        {
            return;
        }

        if (first + rows.Length > SqliteSchema.EntriesPerRun)
        {
            throw new KeelException($"Run '{runId}' has more events than the SQLite run store holds ({SqliteSchema.EntriesPerRun - 1}).");
        }

        var insert = session.Statement(Insert);
        for (var i = 0; i < rows.Length; i++)
        {
            insert.Bind(1, runKey * SqliteSchema.EntriesPerRun + first + i);
            insert.Bind(2, rows[i].Type);
            insert.Bind(3, rows[i].Body);
            insert.Run();
        }
    }
}
