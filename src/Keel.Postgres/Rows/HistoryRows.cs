using Npgsql;

namespace Keel.Postgres.Rows;

/// <summary>Reads and writes rows of the <c>history</c> table: every field of a <see cref="HistoryEntry"/>, JSON as its recorded text.</summary>
internal static class HistoryRows
{
    public const string Columns = """
        run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, input, output, error,
        timestamp, duration, usage_input, usage_output, usage_model, usage_cost, next_step, data
        """;

    /// <summary>The values of one row as parameters <c>$from</c> to <c>$from + 18</c>, in <see cref="Columns"/> order.</summary>
    public static string Values(int from)
        => string.Join(", ", Enumerable.Range(from, 19).Select(i => "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Adds the row's 19 parameters, under <paramref name="runId"/> (a fork's copied prefix carries the new run's id).</summary>
    public static NpgsqlCommand Bind(NpgsqlCommand command, string runId, PreparedEntry row)
    {
        var entry = row.Entry;
        return command
            .With(runId)
            .With(entry.Sequence)
            .With(entry.StepId)
            .With(entry.WorkerType.Value)
            .With(entry.WorkerName)
            .With(entry.Visit)
            .With(entry.Attempt)
            .With(Names.Of(entry.Outcome))
            .With(row.Input)
            .With(row.Output)
            .With(entry.Error)
            .With(Names.Ticks(entry.Timestamp))
            .With(entry.Duration.Ticks)
            .With(entry.Usage?.InputTokens)
            .With(entry.Usage?.OutputTokens)
            .With(entry.Usage?.Model)
            .With(entry.Usage?.Cost)
            .With(entry.NextStep)
            .With(row.Data);
    }

    /// <summary>The entry with its JSON as recorded text, and the bytes its row takes.</summary>
    public static PreparedEntry Prepare(HistoryEntry entry)
    {
        var input = KeelJson.ToText(entry.Input);
        var output = KeelJson.ToText(entry.Output);
        var data = entry.Data is { } snapshot ? DataText.Write(snapshot) : null;
        var bytes = 8 * 8 + DataText.Bytes(entry.RunId) + DataText.Bytes(entry.StepId) + DataText.Bytes(entry.WorkerType.Value)
            + DataText.Bytes(entry.WorkerName) + DataText.Bytes(input) + DataText.Bytes(output) + DataText.Bytes(entry.Error)
            + DataText.Bytes(entry.Usage?.Model) + DataText.Bytes(entry.NextStep) + DataText.Bytes(data);
        return new PreparedEntry(entry, input, output, data, bytes);
    }

    public static HistoryEntry Read(NpgsqlDataReader r) => new()
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
            : new TokenUsage(r.GetInt64(13), r.GetInt64(14), r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetDecimal(16)),
        NextStep = r.GetString(17),
        Data = r.IsDBNull(18) ? null : DataText.Read(r.GetString(18)),
    };
}

/// <summary>A history entry ready to insert: its JSON as text and its row size.</summary>
internal sealed record PreparedEntry(HistoryEntry Entry, string? Input, string? Output, string? Data, long Bytes);
