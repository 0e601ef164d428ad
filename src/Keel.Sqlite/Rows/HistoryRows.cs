using System.Text;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Rows;

/// <summary>Reads and writes rows of the <c>history</c> table: every field of a <see cref="HistoryEntry"/>, JSON as its raw text.</summary>
internal static class HistoryRows
{
    public const string Columns = """
        run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, input, output, error,
        timestamp, duration, usage_input, usage_output, usage_model, usage_cost, next_step, data
        """;

    public const string Insert = $"""
        INSERT INTO history (entry_key, {Columns})
        VALUES ($entry_key, $run_id, $sequence, $step_id, $worker_type, $worker_name, $visit, $attempt, $outcome, $input, $output, $error,
            $timestamp, $duration, $usage_input, $usage_output, $usage_model, $usage_cost, $next_step, $data);
        """;

    /// <summary>
    /// An entry's row that also carries the run's position after it and the run's running totals (see
    /// <see cref="Schema.SqliteSchema"/>), bound by position with <see cref="BindWithPosition"/>.
    /// </summary>
    public const string InsertWithPosition = $"""
        INSERT INTO history ({Columns}, pos_step, pos_visit, pos_attempt, pos_steps, pos_error, pos_updated, pos_bus,
            total_count, total_bytes, total_input, total_output, total_cost, entry_key)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
            ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32);
        """;

    /// <summary>
    /// Binds <see cref="InsertWithPosition"/>: the entry's own columns (1 to 19), the position after it (20 to
    /// 25), the data bus's row and the running totals (26 to 31) and the row's key (32).
    /// </summary>
    public static void BindWithPosition(RawStatement s, Checkpoint checkpoint, PreparedEntry row, long key, long? bus, RunTotals totals)
    {
        var entry = row.Entry;
        var usage = entry.Usage;
        s.Bind(1, checkpoint.RunId);
        s.Bind(2, entry.Sequence);
        s.Bind(3, entry.StepId);
        s.Bind(4, entry.WorkerType.Value);
        s.Bind(5, entry.WorkerName);
        s.Bind(6, entry.Visit);
        s.Bind(7, entry.Attempt);
        s.Bind(8, Names.Of(entry.Outcome));
        s.Bind(9, row.Input);
        s.Bind(10, row.Output);
        s.Bind(11, entry.Error);
        s.Bind(12, Names.Ticks(entry.Timestamp));
        s.Bind(13, entry.Duration.Ticks);
        s.Bind(14, usage?.InputTokens);
        s.Bind(15, usage?.OutputTokens);
        s.Bind(16, usage?.Model);
        s.Bind(17, Names.Invariant(usage?.Cost));
        s.Bind(18, entry.NextStep);
        s.Bind(19, row.Data);
        s.Bind(20, checkpoint.CurrentStep);
        s.Bind(21, checkpoint.Visit);
        s.Bind(22, checkpoint.Attempt);
        s.Bind(23, checkpoint.StepsTaken);
        s.Bind(24, checkpoint.Error);
        s.Bind(25, Names.Ticks(checkpoint.UpdatedAt));
        s.Bind(26, bus);
        s.Bind(27, totals.Count);
        s.Bind(28, totals.Bytes);
        s.Bind(29, totals.InputTokens);
        s.Bind(30, totals.OutputTokens);
        s.Bind(31, Names.Invariant(totals.Cost));
        s.Bind(32, key);
    }

    /// <summary>Bytes a row carrying the position and totals takes beyond the entry's own.</summary>
    public const long PositionBytes = 8 * 10;

    /// <summary>
    /// Binds a prepared row under <paramref name="runId"/> (a fork's copied prefix carries the new run's id).
    /// The JSON texts are made by <see cref="Prepare"/> on the caller's thread, so the writer only binds.
    /// </summary>
    public static void Bind(RawScript p, string runId, long runKey, PreparedEntry row, long rowNumber)
    {
        var entry = row.Entry;
        p.Set("$entry_key", Key(runKey, runId, rowNumber));
        p.Set("$run_id", runId);
        p.Set("$sequence", entry.Sequence);
        p.Set("$step_id", entry.StepId);
        p.Set("$worker_type", entry.WorkerType.Value);
        p.Set("$worker_name", entry.WorkerName);
        p.Set("$visit", entry.Visit);
        p.Set("$attempt", entry.Attempt);
        p.Set("$outcome", Names.Of(entry.Outcome));
        p.Set("$input", Names.Db(row.Input));
        p.Set("$output", Names.Db(row.Output));
        p.Set("$error", Names.Db(entry.Error));
        p.Set("$timestamp", Names.Ticks(entry.Timestamp));
        p.Set("$duration", entry.Duration.Ticks);
        p.Set("$usage_input", Names.Db(entry.Usage?.InputTokens));
        p.Set("$usage_output", Names.Db(entry.Usage?.OutputTokens));
        p.Set("$usage_model", Names.Db(entry.Usage?.Model));
        p.Set("$usage_cost", Names.Text(entry.Usage?.Cost));
        p.Set("$next_step", entry.NextStep);
        p.Set("$data", Names.Db(row.Data));
    }

    /// <summary>The entry with its JSON as recorded text, and the bytes its row takes (excluding the run id).</summary>
    public static PreparedEntry Prepare(HistoryEntry entry)
    {
        var input = KeelJson.ToText(entry.Input);
        var output = KeelJson.ToText(entry.Output);
        var data = entry.Data is { } snapshot ? DataText.Write(snapshot) : null;
        var bytes = 8 * 8 + Bytes(entry.StepId) + Bytes(entry.WorkerType.Value) + Bytes(entry.WorkerName) + Bytes(input) + Bytes(output)
            + Bytes(entry.Error) + Bytes(entry.Usage?.Model) + Bytes(entry.NextStep) + Bytes(data);
        return new PreparedEntry(entry, input, output, data, bytes);
    }

    /// <summary>The key of row <paramref name="rowNumber"/> (an entry or an event) of the run keyed <paramref name="runKey"/>.</summary>
    public static long Key(long runKey, string runId, long rowNumber)
    {
        if (rowNumber < 0 || rowNumber >= SqliteSchema.EntriesPerRun)
        {
            throw new KeelException($"Run '{runId}' has more history entries and events than the SQLite run store holds for one run ({SqliteSchema.EntriesPerRun} rows).");
        }

        return (runKey * SqliteSchema.EntriesPerRun) + rowNumber;
    }

    public static HistoryEntry Read(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Sequence = r.GetInt32(1),
        StepId = r.GetString(2),
        WorkerType = new WorkerType(r.GetString(3)),
        WorkerName = r.GetString(4),
        Visit = r.GetInt32(5),
        Attempt = r.GetInt32(6),
        Outcome = Names.Outcome(r.GetString(7)),
        Input = KeelJson.FromText(r.IsDBNull(8) ? null : r.GetString(8)),
        Output = KeelJson.FromText(r.IsDBNull(9) ? null : r.GetString(9)),
        Error = r.IsDBNull(10) ? null : r.GetString(10),
        Timestamp = Names.Time(r.GetInt64(11)),
        Duration = TimeSpan.FromTicks(r.GetInt64(12)),
        Usage = r.IsDBNull(13)
            ? null
            : new TokenUsage(r.GetInt64(13), r.GetInt64(14), r.IsDBNull(15) ? null : r.GetString(15), Names.Decimal(r.IsDBNull(16) ? null : r.GetString(16))),
        NextStep = r.GetString(17),
        Data = r.IsDBNull(18) ? null : DataText.Read(r.GetString(18)),
    };

    private static long Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);
}

/// <summary>A history entry ready to insert: its JSON as text and its row size.</summary>
internal sealed record PreparedEntry(HistoryEntry Entry, string? Input, string? Output, string? Data, long Bytes);
