using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Keel.Postgres.Schema;

/// <summary>
/// Keel's tables in one PostgreSQL schema, created on first use and versioned in <c>schema_version</c>.
/// Creating and migrating hold an advisory lock keyed by the schema's name, so any number
/// of processes starting at once create it exactly once; a schema written by a newer Keel is refused
/// unchanged. Times are UTC ticks (100 ns, <c>bigint</c>), JSON is kept as its recorded text.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The schema version this code reads and writes.</summary>
    public const int CurrentVersion = 5;

    /// <summary>The server's clock, as UTC ticks (what leases are measured against).</summary>
    public const string NowTicks = "((extract(epoch from clock_timestamp()) * 10000000)::bigint + 621355968000000000)";

    private const string CreateV1 = """
        CREATE TABLE {0}.runs (
            run_id text PRIMARY KEY,
            workflow_name text NOT NULL,
            goal text NOT NULL,
            state text NOT NULL,
            current_step text NOT NULL,
            visit integer NOT NULL,
            attempt integer NOT NULL,
            steps_taken integer NOT NULL,
            data text NOT NULL,
            initial_data text NOT NULL,
            definition_hash text NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            error text,
            parent_run_id text,
            parent_sequence integer,
            lease_owner text,
            lease_expires bigint,
            fence bigint NOT NULL,
            history_count integer NOT NULL,
            size_bytes bigint NOT NULL,
            input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            cost numeric,
            max_tokens bigint,
            max_cost numeric
        );
        CREATE INDEX runs_by_created ON {0}.runs (created_at DESC, run_id DESC);
        CREATE INDEX runs_by_workflow ON {0}.runs (workflow_name, created_at DESC);
        CREATE INDEX runs_by_state ON {0}.runs (state, created_at DESC);
        CREATE INDEX runs_by_updated ON {0}.runs (updated_at);
        CREATE TABLE {0}.definitions (
            definition_hash text PRIMARY KEY,
            definition_json text NOT NULL
        );
        CREATE TABLE {0}.history (
            run_id text NOT NULL,
            sequence integer NOT NULL,
            step_id text NOT NULL,
            worker_type text NOT NULL,
            worker_name text NOT NULL,
            visit integer NOT NULL,
            attempt integer NOT NULL,
            outcome text NOT NULL,
            input text,
            output text,
            error text,
            timestamp bigint NOT NULL,
            duration bigint NOT NULL,
            usage_input bigint,
            usage_output bigint,
            usage_model text,
            usage_cost numeric,
            next_step text NOT NULL,
            data text,
            PRIMARY KEY (run_id, sequence)
        );
        """;

    /// <summary>
    /// Version 2: run events (numbered per run, written with their checkpoint), control requests and the
    /// newest event on the run's row, an index for claims, and the cluster limiter's slots and model pauses.
    /// </summary>
    private const string MigrateToV2 = """
        ALTER TABLE {0}.runs ADD COLUMN last_event bigint NOT NULL DEFAULT 0;
        ALTER TABLE {0}.runs ADD COLUMN control text NOT NULL DEFAULT 'none';
        ALTER TABLE {0}.runs ADD COLUMN control_by text;
        ALTER TABLE {0}.runs ADD COLUMN control_reason text;
        CREATE INDEX runs_claimable ON {0}.runs (created_at, run_id) WHERE state IN ('pending', 'running');
        CREATE TABLE {0}.events (
            run_id text NOT NULL,
            sequence bigint NOT NULL,
            type text NOT NULL,
            body text NOT NULL,
            PRIMARY KEY (run_id, sequence)
        );
        CREATE TABLE {0}.slots (
            scope text NOT NULL,
            slot integer NOT NULL,
            holder text,
            expires bigint,
            PRIMARY KEY (scope, slot)
        );
        CREATE TABLE {0}.model_pauses (
            model text PRIMARY KEY,
            until_ticks bigint NOT NULL
        );
        """;

    /// <summary>
    /// Version 3: who watches which run (<c>*</c>: every run), each row kept alive by its watcher and gone when
    /// it expires. A commit notifies a run's channel key only while someone watches it: NOTIFY serializes the
    /// commits that send one, so a commit nobody waits for sends none.
    /// </summary>
    private const string MigrateToV3 = """
        CREATE TABLE {0}.watches (
            run_id text NOT NULL,
            watcher text NOT NULL,
            expires bigint NOT NULL,
            PRIMARY KEY (run_id, watcher)
        );
        """;

    /// <summary>
    /// Version 4: an attempt's commit becomes a heap-only (HOT) update of the run's row. Every commit moved
    /// <c>updated_at</c>, which <c>runs_by_updated</c> indexed, so PostgreSQL wrote a new entry into each of the
    /// table's indexes on every commit; pruning (its one reader) filters by state through <c>runs_by_state</c>
    /// instead. Pages of <c>runs</c> keep a fifth free, so the new version of a row finds room beside the old one.
    /// </summary>
    private const string MigrateToV4 = """
        DROP INDEX IF EXISTS {0}.runs_by_updated;
        ALTER TABLE {0}.runs SET (fillfactor = 80);
        """;

    /// <summary>
    /// Version 5: frozen plans (<see cref="PostgresPlanStore"/>), one row per definition hash, so every process on
    /// the schema sees the plans any of them made and their approvals; and the runs started from a run (forks,
    /// re-runs, sub-workflow children) found by their parent, through a partial index that runs with no parent
    /// stay out of.
    /// </summary>
    private const string MigrateToV5 = """
        CREATE TABLE {0}.plans (
            hash text PRIMARY KEY,
            goal text NOT NULL,
            goal_key text NOT NULL,
            workflow_name text NOT NULL,
            planner text NOT NULL,
            fingerprint text NOT NULL,
            model text,
            prompt_hash text,
            created_at bigint NOT NULL,
            position bigserial NOT NULL,
            plan_json text NOT NULL,
            approved_by text,
            approved_at bigint,
            approval_comment text
        );
        CREATE INDEX plans_by_goal ON {0}.plans (goal_key, fingerprint, created_at DESC, position DESC);
        CREATE INDEX runs_by_parent ON {0}.runs (parent_run_id, created_at DESC) WHERE parent_run_id IS NOT NULL;
        """;

    /// <summary>The migrations, in order: entry i takes a schema from version i to i + 1 (<c>{0}</c> is the schema).</summary>
    private static readonly string[] Migrations = [CreateV1, MigrateToV2, MigrateToV3, MigrateToV4, MigrateToV5];

    /// <summary>Creates or migrates the schema when it is missing or older; refuses one newer than <see cref="CurrentVersion"/>.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string schema, string source, CancellationToken cancellationToken)
    {
        var quoted = Quote(schema);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var version = await VersionAsync(connection, null, schema, quoted, cancellationToken).ConfigureAwait(false);
        if (version == CurrentVersion)
        {
            return;
        }

        Refuse(version, schema, source);

        // A session lock taken before the transaction begins: the transaction then starts after the holder
        // committed and sees its tables (a lock taken inside an open transaction may still see the catalog
        // as it was when that transaction began).
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock($1);", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey(schema) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Another process may have created or migrated it while this one waited for the lock.
            version = await VersionAsync(connection, transaction, schema, quoted, cancellationToken).ConfigureAwait(false);
            Refuse(version, schema, source);
            if (version < CurrentVersion)
            {
                var sql = new StringBuilder();
                if (version == 0)
                {
                    sql.Append($"CREATE SCHEMA IF NOT EXISTS {quoted};\nCREATE TABLE IF NOT EXISTS {quoted}.schema_version (version integer NOT NULL);\n");
                }

                for (var v = version; v < CurrentVersion; v++)
                {
                    sql.Append(Migrations[v].Replace("{0}", quoted, StringComparison.Ordinal)).Append('\n');
                }

                sql.Append($"DELETE FROM {quoted}.schema_version;\nINSERT INTO {quoted}.schema_version (version) VALUES ({CurrentVersion});");
                await using var command = new NpgsqlCommand(sql.ToString(), connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1);", connection);
            unlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey(schema) });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The schema's version: 0 when it (or its version table) does not exist.</summary>
    public static async Task<int> VersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, string quoted, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL;", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{quoted}.schema_version" });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        await using var command = new NpgsqlCommand($"SELECT max(version) FROM {quoted}.schema_version;", connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : 0;
    }

    /// <summary>A schema name as a quoted SQL identifier; refuses names that are empty or too long.</summary>
    public static string Quote(string schema)
    {
        if (string.IsNullOrWhiteSpace(schema) || Encoding.UTF8.GetByteCount(schema) > 63 || schema.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"PostgresRunStoreOptions.Schema '{schema}' is not a usable PostgreSQL schema name (1 to 63 bytes).", nameof(schema));
        }

        return "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The advisory lock key of a schema: the first 8 bytes of SHA-256 of its name, the same in every process.</summary>
    public static long LockKey(string schema)
        => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("keel.schema:" + schema)), 0);

    private static void Refuse(int version, string schema, string source)
    {
        if (version > CurrentVersion)
        {
            throw new KeelException(
                $"PostgreSQL run store {source}: schema '{schema}' has version {version}, newer than version {CurrentVersion} that this version of Keel knows. Upgrade Keel to use it (nothing was changed).");
        }
    }
}
