using System.Text;
using Keel.Sqlite.Schema;
using Microsoft.Data.Sqlite;

using Keel.Sqlite.Writing;

namespace Keel.Sqlite.Rows;

/// <summary>Reads and writes rows of the <c>runs</c> table.</summary>
internal static class RunRows
{
    /// <summary>
    /// The columns <see cref="Read"/> expects, in order, from <see cref="From"/>: the position, data bus and
    /// totals come from the run's newest history row when it carries them (<c>p</c>), else from <c>runs</c>.
    /// </summary>
    public const string Columns = $"""
        r.run_id, r.workflow_name, o.goal, r.state, COALESCE(p.pos_step, r.current_step), COALESCE(p.pos_visit, r.visit),
        COALESCE(p.pos_attempt, r.attempt), COALESCE(p.pos_steps, r.steps_taken),
        CASE WHEN p.pos_step IS NULL OR p.pos_bus IS NULL THEN r.data ELSE b.data END, o.initial_data,
        d.definition_json, r.definition_hash, r.created_at, COALESCE(p.pos_updated, r.updated_at),
        CASE WHEN p.pos_step IS NULL THEN r.error ELSE p.pos_error END, r.parent_run_id, r.parent_sequence,
        r.lease_owner, r.lease_expires, r.fence, COALESCE(p.total_count, r.history_count), COALESCE(p.total_bytes, r.size_bytes),
        COALESCE(p.total_input, r.input_tokens), COALESCE(p.total_output, r.output_tokens),
        CASE WHEN p.pos_step IS NULL THEN r.cost ELSE p.total_cost END, o.max_tokens, o.max_cost,
        r.control, r.control_by, r.control_reason, {NewestEvent}
        """;

    /// <summary>The sequence of the newest event of the run <c>r</c> (0 when it has none): found from the end of the run's rows.</summary>
    public const string NewestEvent = $"""
        COALESCE((SELECT e.sequence FROM history e WHERE e.entry_key BETWEEN r.run_key * {SqliteSchema.Scale} AND r.run_key * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1
            AND e.event_type IS NOT NULL ORDER BY e.entry_key DESC LIMIT 1), 0)
        """;

    /// <summary>The number the run <c>r</c>'s next row takes (one past its last, entry or event; 0 for none).</summary>
    public const string NextRow = $"""
        COALESCE((SELECT max(x.entry_key) FROM history x WHERE x.entry_key BETWEEN r.run_key * {SqliteSchema.Scale} AND r.run_key * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1) - r.run_key * {SqliteSchema.Scale} + 1, 0)
        """;

    /// <summary>A run with its origin, definition, newest history row when it carries the position (<c>p</c>) and the row holding its data bus (<c>b</c>).</summary>
    public const string From = $"""
        runs r LEFT JOIN run_origins o ON o.run_key = r.run_key LEFT JOIN definitions d ON d.definition_hash = r.definition_hash
        LEFT JOIN history p ON p.pos_step IS NOT NULL AND p.entry_key = ({NewestEntryKey})
        LEFT JOIN history b ON b.entry_key = r.run_key * {SqliteSchema.Scale} + p.pos_bus
        """;

    /// <summary>The key of the newest history entry of the run <c>r</c> (NULL when it has none): found from the end of the run's rows, past the events after it.</summary>
    public const string NewestEntryKey = $"""
        SELECT n.entry_key FROM history n WHERE n.entry_key BETWEEN r.run_key * {SqliteSchema.Scale} AND r.run_key * {SqliteSchema.Scale} + {SqliteSchema.Scale} - 1
            AND n.event_type IS NULL ORDER BY n.entry_key DESC LIMIT 1
        """;

    public const string Insert = """
        INSERT OR IGNORE INTO definitions (definition_hash, definition_json) VALUES ($definition_hash, $definition_json);
        INSERT INTO run_origins (run_key, run_id, goal, initial_data, max_tokens, max_cost) VALUES ($run_key, $run_id, $goal, $initial_data, $max_tokens, $max_cost);
        INSERT INTO runs (run_key, run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash,
            created_at, updated_at, error, parent_run_id, parent_sequence, lease_owner, lease_expires, fence, history_count,
            size_bytes, input_tokens, output_tokens, cost)
        VALUES ($run_key, $run_id, $workflow_name, $state, $current_step, $visit, $attempt, $steps_taken, $data, $definition_hash,
            $created_at, $updated_at, $error, $parent_run_id, $parent_sequence, $lease_owner, $lease_expires, $fence, $history_count,
            $size_bytes, $input_tokens, $output_tokens, $cost);
        """;

    public static void Bind(RawScript p, long runKey, RunRecord run, string data, string initialData, int historyCount, long sizeBytes)
    {
        p.Set("$run_key", runKey);
        p.Set("$run_id", run.RunId);
        p.Set("$workflow_name", run.WorkflowName);
        p.Set("$goal", run.Goal);
        p.Set("$state", Names.Of(run.State));
        p.Set("$current_step", run.CurrentStep);
        p.Set("$visit", run.Visit);
        p.Set("$attempt", run.Attempt);
        p.Set("$steps_taken", run.StepsTaken);
        p.Set("$data", data);
        p.Set("$initial_data", initialData);
        p.Set("$definition_json", run.DefinitionJson);
        p.Set("$definition_hash", run.DefinitionHash);
        p.Set("$created_at", Names.Ticks(run.CreatedAt));
        p.Set("$updated_at", Names.Ticks(run.UpdatedAt));
        p.Set("$error", Names.Db(run.Error));
        p.Set("$parent_run_id", Names.Db(run.ParentRunId));
        p.Set("$parent_sequence", Names.Db(run.ParentSequence));
        p.Set("$lease_owner", Names.Db(run.LeaseOwner));
        p.Set("$lease_expires", Names.Ticks(run.LeaseExpires));
        p.Set("$fence", run.Fence);
        p.Set("$history_count", historyCount);
        p.Set("$size_bytes", sizeBytes);
        p.Set("$input_tokens", run.InputTokens);
        p.Set("$output_tokens", run.OutputTokens);
        p.Set("$cost", Names.Text(run.Cost));
        p.Set("$max_tokens", Names.Db(run.MaxTokens));
        p.Set("$max_cost", Names.Text(run.MaxCost));
    }

    /// <summary>Bytes the run's own row takes (texts as UTF-8, numbers as 8 bytes each).</summary>
    public static long RowBytes(RunRecord run, string data, string initialData)
        => 8 * 14 + Bytes(run.RunId) + Bytes(run.WorkflowName) + Bytes(run.Goal) + Bytes(run.CurrentStep) + Bytes(data) + Bytes(initialData)
            + Bytes(run.DefinitionJson) + Bytes(run.DefinitionHash) + Bytes(run.Error) + Bytes(run.ParentRunId) + Bytes(run.LeaseOwner);

    public static RunRecord Read(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        WorkflowName = r.GetString(1),
        Goal = r.GetString(2),
        State = Names.State(r.GetString(3)),
        CurrentStep = r.GetString(4),
        Visit = r.GetInt32(5),
        Attempt = r.GetInt32(6),
        StepsTaken = r.GetInt32(7),
        Data = DataText.Read(r.GetString(8)),
        InitialData = DataText.Read(r.GetString(9)),
        DefinitionJson = r.GetString(10),
        DefinitionHash = r.GetString(11),
        CreatedAt = Names.Time(r.GetInt64(12)),
        UpdatedAt = Names.Time(r.GetInt64(13)),
        Error = r.IsDBNull(14) ? null : r.GetString(14),
        ParentRunId = r.IsDBNull(15) ? null : r.GetString(15),
        ParentSequence = r.IsDBNull(16) ? null : r.GetInt32(16),
        LeaseOwner = r.IsDBNull(17) ? null : r.GetString(17),
        LeaseExpires = r.IsDBNull(18) ? null : Names.Time(r.GetInt64(18)),
        Fence = r.GetInt64(19),
        HistoryCount = r.GetInt32(20),
        SizeBytes = r.GetInt64(21),
        InputTokens = r.GetInt64(22),
        OutputTokens = r.GetInt64(23),
        Cost = Names.Decimal(r.IsDBNull(24) ? null : r.GetString(24)),
        MaxTokens = r.IsDBNull(25) ? null : r.GetInt64(25),
        MaxCost = Names.Decimal(r.IsDBNull(26) ? null : r.GetString(26)),
        Control = Names.Control(r.IsDBNull(27) ? null : r.GetString(27)),
        ControlBy = r.IsDBNull(28) ? null : r.GetString(28),
        ControlReason = r.IsDBNull(29) ? null : r.GetString(29),
        LastEventSequence = r.GetInt64(30),
    };

    private static long Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);
}
