using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Schema;

/// <summary>
/// The store's tables, created on first open and versioned with <c>PRAGMA user_version</c>. An ordinary
/// attempt's checkpoint inserts one <c>history</c> row that also carries the run's position after it and its
/// running totals (the <c>pos_*</c> and <c>total_*</c> columns), so the commit writes one B-tree row. The
/// <c>runs</c> row holds the indexed and queried columns (state, lease, fence) and is rewritten only when
/// they change; a run's position is its newest history row's when that row carries one, else its
/// <c>runs</c> row's. What never changes (goal, initial data) is in <c>run_origins</c>, and definitions are
/// stored once per content hash in <c>definitions</c>.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code reads and writes.</summary>
    public const int CurrentVersion = 3;

    /// <summary>Version 2: a run's budgets, kept with its origin so a resumed run honours them.</summary>
    private const string MigrateToV2 = """
        ALTER TABLE run_origins ADD COLUMN max_tokens INTEGER;
        ALTER TABLE run_origins ADD COLUMN max_cost TEXT;
        """;

    /// <summary>
    /// Version 3: a history row may carry the run's position after its attempt (step, visit, attempt, steps
    /// taken, error, time), the sequence of the row whose <c>data</c> is the run's data bus (NULL: the
    /// <c>runs</c> row's), and the run's running totals. Rows written before carry none (NULL).
    /// </summary>
    private const string MigrateToV3 = """
        ALTER TABLE history ADD COLUMN pos_step TEXT;
        ALTER TABLE history ADD COLUMN pos_visit INTEGER;
        ALTER TABLE history ADD COLUMN pos_attempt INTEGER;
        ALTER TABLE history ADD COLUMN pos_steps INTEGER;
        ALTER TABLE history ADD COLUMN pos_error TEXT;
        ALTER TABLE history ADD COLUMN pos_updated INTEGER;
        ALTER TABLE history ADD COLUMN pos_bus INTEGER;
        ALTER TABLE history ADD COLUMN total_count INTEGER;
        ALTER TABLE history ADD COLUMN total_bytes INTEGER;
        ALTER TABLE history ADD COLUMN total_input INTEGER;
        ALTER TABLE history ADD COLUMN total_output INTEGER;
        ALTER TABLE history ADD COLUMN total_cost TEXT;
        """;

    internal const string CreateV1 = """
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT NOT NULL PRIMARY KEY,
            workflow_name TEXT NOT NULL,
            state TEXT NOT NULL,
            current_step TEXT NOT NULL,
            visit INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            steps_taken INTEGER NOT NULL,
            data TEXT NOT NULL,
            definition_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            error TEXT,
            parent_run_id TEXT,
            parent_sequence INTEGER,
            lease_owner TEXT,
            lease_expires INTEGER,
            fence INTEGER NOT NULL,
            history_count INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost TEXT
        );
        CREATE TABLE IF NOT EXISTS run_origins (
            run_id TEXT NOT NULL PRIMARY KEY,
            goal TEXT NOT NULL,
            initial_data TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS definitions (
            definition_hash TEXT NOT NULL PRIMARY KEY,
            definition_json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
        CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow_name, created_at);
        CREATE INDEX IF NOT EXISTS runs_by_state ON runs (state, created_at);
        CREATE TABLE IF NOT EXISTS history (
            run_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            step_id TEXT NOT NULL,
            worker_type TEXT NOT NULL,
            worker_name TEXT NOT NULL,
            visit INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            input TEXT,
            output TEXT,
            error TEXT,
            timestamp INTEGER NOT NULL,
            duration INTEGER NOT NULL,
            usage_input INTEGER,
            usage_output INTEGER,
            usage_model TEXT,
            usage_cost TEXT,
            next_step TEXT NOT NULL,
            data TEXT,
            PRIMARY KEY (run_id, sequence)
        ) WITHOUT ROWID;
        """;

    /// <summary>Creates the schema when the file has none; refuses a file written by a newer schema.</summary>
    public static void Ensure(SqliteConnection connection, string source)
    {
        var version = UserVersion(connection);
        if (version > CurrentVersion)
        {
            throw new KeelException(
                $"SQLite run store '{source}' has schema version {version}, newer than version {CurrentVersion} that this version of Keel knows. Upgrade Keel to open it (the file was not changed).");
        }

        if (version == CurrentVersion)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = (version < 1 ? CreateV1 : string.Empty) + (version < 2 ? MigrateToV2 : string.Empty) + MigrateToV3
                + $"PRAGMA user_version = {CurrentVersion};";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The file's <c>PRAGMA user_version</c> (0 for a new file).</summary>
    public static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
