using Npgsql;

namespace Keel.Postgres.Rows;

/// <summary>Reads and writes rows of the <c>runs</c> table (with the run's definition from <c>definitions</c>).</summary>
internal static class RunRows
{
    /// <summary>The columns <see cref="Read"/> expects, in order, from <c>runs r JOIN definitions d</c>.</summary>
    public const string Columns = """
        r.run_id, r.workflow_name, r.goal, r.state, r.current_step, r.visit, r.attempt, r.steps_taken, r.data, r.initial_data,
        d.definition_json, r.definition_hash, r.created_at, r.updated_at, r.error, r.parent_run_id, r.parent_sequence,
        r.lease_owner, r.lease_expires, r.fence, r.history_count, r.size_bytes, r.input_tokens, r.output_tokens, r.cost,
        r.max_tokens, r.max_cost
        """;

    /// <summary>The tables <see cref="Columns"/> reads (<c>{0}</c> is the schema).</summary>
    public const string From = "{0}.runs r JOIN {0}.definitions d ON d.definition_hash = r.definition_hash";

    /// <summary>Stores the definition once per hash, then the run (parameters as <see cref="Bind"/> adds them).</summary>
    public const string Insert = """
        WITH definition AS (
            INSERT INTO {0}.definitions (definition_hash, definition_json) VALUES ($10, $27) ON CONFLICT (definition_hash) DO NOTHING
        )
        INSERT INTO {0}.runs (run_id, workflow_name, goal, state, current_step, visit, attempt, steps_taken, data, definition_hash,
            initial_data, created_at, updated_at, error, parent_run_id, parent_sequence, lease_owner, lease_expires, fence,
            history_count, size_bytes, input_tokens, output_tokens, cost, max_tokens, max_cost)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
        ON CONFLICT (run_id) DO NOTHING;
        """;

    public static NpgsqlCommand Bind(NpgsqlCommand command, RunRecord run, string data, string initialData, int historyCount, long sizeBytes) => command
        .With(run.RunId)
        .With(run.WorkflowName)
        .With(run.Goal)
        .With(Names.Of(run.State))
        .With(run.CurrentStep)
        .With(run.Visit)
        .With(run.Attempt)
        .With(run.StepsTaken)
        .With(data)
        .With(run.DefinitionHash)
        .With(initialData)
        .With(Names.Ticks(run.CreatedAt))
        .With(Names.Ticks(run.UpdatedAt))
        .With(run.Error)
        .With(run.ParentRunId)
        .With(run.ParentSequence)
        .With(run.LeaseOwner)
        .With(Names.Ticks(run.LeaseExpires))
        .With(run.Fence)
        .With(historyCount)
        .With(sizeBytes)
        .With(run.InputTokens)
        .With(run.OutputTokens)
        .With(run.Cost)
        .With(run.MaxTokens)
        .With(run.MaxCost)
        .With(run.DefinitionJson);

    /// <summary>Bytes the run's own row takes (texts as UTF-8, numbers as 8 bytes each).</summary>
    public static long RowBytes(RunRecord run, string data, string initialData)
        => 8 * 14 + DataText.Bytes(run.RunId) + DataText.Bytes(run.WorkflowName) + DataText.Bytes(run.Goal) + DataText.Bytes(run.CurrentStep)
            + DataText.Bytes(data) + DataText.Bytes(initialData) + DataText.Bytes(run.DefinitionJson) + DataText.Bytes(run.DefinitionHash)
            + DataText.Bytes(run.Error) + DataText.Bytes(run.ParentRunId) + DataText.Bytes(run.LeaseOwner);

    public static RunRecord Read(NpgsqlDataReader r) => new()
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
        Cost = r.IsDBNull(24) ? null : r.GetDecimal(24),
        MaxTokens = r.IsDBNull(25) ? null : r.GetInt64(25),
        MaxCost = r.IsDBNull(26) ? null : r.GetDecimal(26),
    };
}
