using Keel.Postgres;
using Npgsql;

namespace Keel;

/// <summary>
/// Frozen plans in PostgreSQL, in the <c>plans</c> table of a <see cref="PostgresRunStore"/>'s schema: every
/// process on the schema sees the plans any of them made, and an approval given in one holds in all. A plan's
/// row keeps its goal, planner, model, prompt hash and validation report and, once approved, who approved it
/// and when; an approval is written once (the first wins, in any number of processes at once).
/// </summary>
public sealed class PostgresPlanStore : IPlanStore
{
    private const string Columns = "plan_json, approved_by, approved_at, approval_comment";

    private readonly PostgresRunStore _runs;

    /// <summary>Plans beside the runs of <paramref name="runs"/>: its server, schema and connection pool (the run store is not disposed with this one).</summary>
    public PostgresPlanStore(PostgresRunStore runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        _runs = runs;
    }

    /// <summary>The server, database, user and schema the plans are kept in, for messages (never the password).</summary>
    public string DataSource => _runs.DataSource;

    /// <inheritdoc />
    public async ValueTask<Plan> SaveAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var frozen = plan.Freeze();
        await _runs.UseAsync(async (connection, ct) =>
        {
            await using var insert = new NpgsqlCommand(_runs.Sql("""
                INSERT INTO {0}.plans (hash, goal, goal_key, workflow_name, planner, fingerprint, model, prompt_hash, created_at, plan_json, approved_by, approved_at, approval_comment)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (hash) DO NOTHING;
                """), connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.Hash });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.Goal });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = GoalText.Key(frozen.Goal) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.Name });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.Planning.Planner });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.Planning.Fingerprint });
            insert.Parameters.Add(Text(frozen.Planning.Model));
            insert.Parameters.Add(Text(frozen.Planning.PromptHash));
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = frozen.CreatedAt.UtcTicks });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = frozen.WithApproval(null).ToJson() });
            insert.Parameters.Add(Text(frozen.Approval?.ApprovedBy));
            insert.Parameters.Add(frozen.Approval is { } approval ? new NpgsqlParameter<long> { TypedValue = approval.ApprovedAt.UtcTicks } : new NpgsqlParameter { Value = DBNull.Value });
            insert.Parameters.Add(Text(frozen.Approval?.Comment));
            return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        return await GetAsync(frozen.Hash, cancellationToken).ConfigureAwait(false)
            ?? throw new KeelException($"PostgreSQL plan store {DataSource}: plan {frozen.Hash} was not stored.");
    }

    /// <inheritdoc />
    public async ValueTask<Plan?> GetAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length < PlanHashes.MinimumPrefix)
        {
            return null;
        }

        var plans = await QueryAsync($"SELECT {Columns} FROM {{0}}.plans WHERE starts_with(hash, $1) ORDER BY hash LIMIT 2", cancellationToken, hash.ToLowerInvariant()).ConfigureAwait(false);
        return PlanHashes.Pick(plans, hash);
    }

    /// <inheritdoc />
    public async ValueTask<Plan?> FindAsync(string goal, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var plans = await QueryAsync($"SELECT {Columns} FROM {{0}}.plans WHERE goal_key = $1 AND fingerprint = $2 ORDER BY created_at DESC, position DESC LIMIT 1", cancellationToken, GoalText.Key(goal), fingerprint).ConfigureAwait(false);
        return plans.Count == 0 ? null : plans[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Plan>> ListAsync(CancellationToken cancellationToken = default)
        => await QueryAsync($"SELECT {Columns} FROM {{0}}.plans ORDER BY created_at DESC, position DESC", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<Plan> ApproveAsync(string hash, PlanApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(approval);
        await _runs.UseAsync(async (connection, ct) =>
        {
            // The first approval wins: a hash already approved keeps its approver and time.
            await using var update = new NpgsqlCommand(_runs.Sql("UPDATE {0}.plans SET approved_by = $2, approved_at = $3, approval_comment = $4 WHERE hash = $1 AND approved_by IS NULL;"), connection);
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approval.ApprovedBy });
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = approval.ApprovedAt.UtcTicks });
            update.Parameters.Add(Text(approval.Comment));
            return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var plans = await QueryAsync($"SELECT {Columns} FROM {{0}}.plans WHERE hash = $1", cancellationToken, hash).ConfigureAwait(false);
        return plans.Count == 1 ? plans[0] : throw new KeelException($"No stored plan has hash '{hash}' in {DataSource}.");
    }

    private static NpgsqlParameter Text(string? value)
        => value is null ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter<string> { TypedValue = value };

    private async Task<List<Plan>> QueryAsync(string sql, CancellationToken cancellationToken, params string[] parameters)
    {
        // Rows are read first and turned into plans after: a plan whose row was altered throws a KeelException
        // naming it, which must reach the caller as it is (not as a failure of the store).
        var rows = await _runs.UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(_runs.Sql(sql), connection);
            foreach (var value in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
            }

            var read = new List<(string Json, string? By, long At, string? Comment)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                read.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }

            return read;
        }, cancellationToken).ConfigureAwait(false);

        var plans = new List<Plan>(rows.Count);
        foreach (var (json, by, at, comment) in rows)
        {
            var plan = Plan.FromJson(json);
            plans.Add(by is null ? plan : plan.WithApproval(new PlanApproval(by, new DateTimeOffset(at, TimeSpan.Zero), comment)));
        }

        return plans;
    }
}
