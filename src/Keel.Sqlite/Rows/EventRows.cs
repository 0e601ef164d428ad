using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;

namespace Keel.Sqlite.Rows;

/// <summary>
/// Writes and reads a run's events: rows of the <c>history</c> table among the run's entries, in the order
/// they were committed (an event's row number is at least its sequence minus one, so a read from a sequence
/// on starts there).
/// </summary>
internal static class EventRows
{
    public const string Insert = "INSERT INTO history (entry_key, sequence, event_type, event_body) VALUES (?1, ?2, ?3, ?4);";

    public const string SelectAfter = $"""
        SELECT e.event_body FROM history e
        WHERE e.entry_key >= (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + $after
            AND e.entry_key <= (SELECT run_key FROM runs WHERE run_id = $run_id) * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1
            AND e.event_type IS NOT NULL AND e.sequence > $after
        ORDER BY e.entry_key LIMIT $limit;
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

    /// <summary>Inserts the events numbered from <paramref name="first"/> of the run keyed <paramref name="runKey"/>, as its rows numbered from <paramref name="firstRow"/>.</summary>
    public static void Write(WriteSession session, long runKey, string runId, long first, IReadOnlyList<RunEvent> events, long firstRow)
    {
        if (events.Count == 0)
        {
            return;
        }

        var insert = session.Statement(Insert);
        for (var i = 0; i < events.Count; i++)
        {
            insert.Bind(1, HistoryRows.Key(runKey, runId, firstRow + i));
            insert.Bind(2, first + i);
            insert.Bind(3, events[i].Type);
            insert.BindUtf8(4, session.Json(events[i]));
            insert.Run();
        }
    }
}
