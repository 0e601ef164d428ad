using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Keel;

/// <summary>
/// Frozen plans in a SQLite file: one row per definition hash in its own <c>plans</c> table (created when
/// missing, apart from the run store's versioned schema, so it can share the run store's file). A plan's
/// row keeps its goal, planner, model, prompt hash, validation report and, once approved, who approved
/// it and when; an approval is written once. Safe to share between processes.
/// </summary>
public sealed class SqlitePlanStore : IPlanStore
{
    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS plans (
            hash TEXT PRIMARY KEY NOT NULL,
            goal TEXT NOT NULL,
            goal_key TEXT NOT NULL,
            workflow_name TEXT NOT NULL,
            planner TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            model TEXT,
            prompt_hash TEXT,
            created_at TEXT NOT NULL,
            plan_json TEXT NOT NULL,
            approved_by TEXT,
            approved_at TEXT,
            approval_comment TEXT
        );
        CREATE INDEX IF NOT EXISTS plans_by_goal ON plans (goal_key, fingerprint, created_at);
        """;

    private const string Columns = "plan_json, approved_by, approved_at, approval_comment";

    private readonly string _connectionString;

    /// <summary>Opens (creating when missing) the plan table in the SQLite file at <paramref name="path"/>.</summary>
    public SqlitePlanStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        DataSource = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        try
        {
            using var connection = Open();
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
            using var create = connection.CreateCommand();
            create.CommandText = CreateSql;
            create.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            // A damaged file is said to be damaged, by name, and any other failure is the store's: both are a
            // RunStoreException (the plans live in the run store's file), never a bad-input error.
            throw Keel.Sqlite.SqliteErrors.Translate(ex, path);
        }
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <inheritdoc />
    public async ValueTask<Plan> SaveAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var frozen = plan.Freeze();
        await using (var connection = Open())
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO plans (hash, goal, goal_key, workflow_name, planner, fingerprint, model, prompt_hash, created_at, plan_json, approved_by, approved_at, approval_comment)
                VALUES ($hash, $goal, $goal_key, $name, $planner, $fingerprint, $model, $prompt_hash, $created_at, $json, $by, $at, $comment)
                ON CONFLICT (hash) DO NOTHING;
                """;
            insert.Parameters.AddWithValue("$hash", frozen.Hash);
            insert.Parameters.AddWithValue("$goal", frozen.Goal);
            insert.Parameters.AddWithValue("$goal_key", GoalText.Key(frozen.Goal));
            insert.Parameters.AddWithValue("$name", frozen.Name);
            insert.Parameters.AddWithValue("$planner", frozen.Planning.Planner);
            insert.Parameters.AddWithValue("$fingerprint", frozen.Planning.Fingerprint);
            insert.Parameters.AddWithValue("$model", (object?)frozen.Planning.Model ?? DBNull.Value);
            insert.Parameters.AddWithValue("$prompt_hash", (object?)frozen.Planning.PromptHash ?? DBNull.Value);
            insert.Parameters.AddWithValue("$created_at", Time(frozen.CreatedAt));
            insert.Parameters.AddWithValue("$json", frozen.WithApproval(null).ToJson());
            insert.Parameters.AddWithValue("$by", (object?)frozen.Approval?.ApprovedBy ?? DBNull.Value);
            insert.Parameters.AddWithValue("$at", frozen.Approval is { } a ? Time(a.ApprovedAt) : DBNull.Value);
            insert.Parameters.AddWithValue("$comment", (object?)frozen.Approval?.Comment ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await GetAsync(frozen.Hash, cancellationToken).ConfigureAwait(false)
            ?? throw new KeelException($"SQLite plan store '{DataSource}': plan {frozen.Hash} was not stored.");
    }

    /// <inheritdoc />
    public async ValueTask<Plan?> GetAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length < PlanHashes.MinimumPrefix)
        {
            return null;
        }

        var plans = await QueryAsync($"SELECT {Columns} FROM plans WHERE hash >= $prefix AND hash < $end ORDER BY hash LIMIT 2", cancellationToken, ("$prefix", hash.ToLowerInvariant()), ("$end", hash.ToLowerInvariant() + "\uffff")).ConfigureAwait(false);
        return PlanHashes.Pick(plans, hash);
    }

    /// <inheritdoc />
    public async ValueTask<Plan?> FindAsync(string goal, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var plans = await QueryAsync($"SELECT {Columns} FROM plans WHERE goal_key = $key AND fingerprint = $fingerprint ORDER BY created_at DESC, rowid DESC LIMIT 1", cancellationToken, ("$key", GoalText.Key(goal)), ("$fingerprint", fingerprint)).ConfigureAwait(false);
        return plans.Count == 0 ? null : plans[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Plan>> ListAsync(CancellationToken cancellationToken = default)
        => await QueryAsync($"SELECT {Columns} FROM plans ORDER BY created_at DESC, rowid DESC", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<Plan> ApproveAsync(string hash, PlanApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(approval);
        await using (var connection = Open())
        {
            using var update = connection.CreateCommand();

            // The first approval wins: a hash already approved keeps its approver and time.
            update.CommandText = "UPDATE plans SET approved_by = $by, approved_at = $at, approval_comment = $comment WHERE hash = $hash AND approved_by IS NULL;";
            update.Parameters.AddWithValue("$hash", hash);
            update.Parameters.AddWithValue("$by", approval.ApprovedBy);
            update.Parameters.AddWithValue("$at", Time(approval.ApprovedAt));
            update.Parameters.AddWithValue("$comment", (object?)approval.Comment ?? DBNull.Value);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var plans = await QueryAsync($"SELECT {Columns} FROM plans WHERE hash = $hash", cancellationToken, ("$hash", hash)).ConfigureAwait(false);
        return plans.Count == 1 ? plans[0] : throw new KeelException($"No stored plan has hash '{hash}' in '{DataSource}'.");
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private async Task<List<Plan>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var plans = new List<Plan>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var plan = Plan.FromJson(reader.GetString(0));
            if (!reader.IsDBNull(1))
            {
                plan = plan.WithApproval(new PlanApproval(reader.GetString(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }

            plans.Add(plan);
        }

        return plans;
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
