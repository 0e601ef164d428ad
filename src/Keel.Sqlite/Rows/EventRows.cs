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

    /// <summary>The events of a write, their types checked before the writer's turn (their text is written in it, into a reused buffer).</summary>
    public static IReadOnlyList<RunEvent> Prepare(IReadOnlyList<RunEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            _ = events[i].Type;
        }

        return events;
    }

    /// <summary>Inserts the events numbered from <paramref name="first"/> of the run keyed <paramref name="runKey"/>.</summary>
    public static void Write(WriteSession session, long runKey, string runId, long first, IReadOnlyList<RunEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        if (first + events.Count > SqliteSchema.EntriesPerRun)
        {
            throw new KeelException($"Run '{runId}' has more events than the SQLite run store holds ({SqliteSchema.EntriesPerRun - 1}).");
        }

        var insert = session.Statement(Insert);
        for (var i = 0; i < events.Count; i++)
        {
            insert.Bind(1, runKey * SqliteSchema.EntriesPerRun + first + i);
            insert.Bind(2, events[i].Type);
            insert.BindUtf8(3, session.Json(events[i]));
            insert.Run();
        }
    }
}
