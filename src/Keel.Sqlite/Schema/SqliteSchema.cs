using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Schema;

/// <summary>
/// The store's tables, created on first open and versioned with <c>PRAGMA user_version</c> (a new file is
/// created at version 1 and migrated). An ordinary attempt's checkpoint appends one <c>history</c> entry row that also carries the run's position after it and its
/// running totals (the <c>pos_*</c> and <c>total_*</c> columns), and its events' rows after it in the same
/// table, so the commit writes one B-tree, usually one page of it. The
/// <c>runs</c> row holds the indexed and queried columns (state, lease, fence) and is rewritten only when
/// they change; a run's position is its newest history row's when that row carries one, else its
/// <c>runs</c> row's. What never changes (goal, initial data) is in <c>run_origins</c>, and definitions are
/// stored once per content hash in <c>definitions</c>.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code reads and writes.</summary>
    public const int CurrentVersion = 6;

    /// <summary>
    /// Version 5: <c>runs</c> and <c>run_origins</c> keyed by the run's integer key (<c>run_key INTEGER
    /// PRIMARY KEY</c>), so creating a run writes three B-trees fewer: the separate index on <c>run_key</c>, the
    /// origins' index on <c>run_id</c> and the index by creation time alone are gone (the run id keeps its
    /// unique index on <c>runs</c>; a listing of every state merges the newest of each state, read through
    /// <c>runs_by_state</c>). And a
    /// run's events move into the <c>history</c> table: a run's rows, entries and events alike, are keyed
    /// <c>run_key * 2^24 + n</c>, n counting the run's rows in the order they were committed, so each commit
    /// appends its entry and its events at the end of the run's rows, on one leaf page where the separate
    /// <c>events</c> table took a second. A row's <c>sequence</c> is its entry's or its event's number, and
    /// <c>event_type</c> tells the two apart (NULL for an entry). The tables are rebuilt keeping every row: a
    /// run's entries first, keyed by their sequence (so <c>pos_bus</c> still names its row), then its events;
    /// an origin whose run is missing (a damaged file) is kept under a negative key, so the integrity check
    /// still names it.
    /// </summary>
    private const string MigrateToV5 = $"""
        CREATE TABLE runs_v5 (
            run_key INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            {RunColumnsAfterId},
            control TEXT,
            control_by TEXT,
            control_reason TEXT
        );
        INSERT INTO runs_v5 ({V5RunColumns}) SELECT {V5RunColumns} FROM runs;
        DROP TABLE runs;
        ALTER TABLE runs_v5 RENAME TO runs;
        CREATE INDEX runs_by_workflow ON runs (workflow_name, created_at);
        CREATE INDEX runs_by_state ON runs (state, created_at);
        CREATE TABLE run_origins_v5 (
            run_key INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            goal TEXT NOT NULL,
            initial_data TEXT NOT NULL,
            max_tokens INTEGER,
            max_cost TEXT
        );
        INSERT INTO run_origins_v5 (run_key, run_id, goal, initial_data, max_tokens, max_cost)
            SELECT COALESCE(r.run_key, -o.rowid), o.run_id, o.goal, o.initial_data, o.max_tokens, o.max_cost
            FROM run_origins o LEFT JOIN runs r ON r.run_id = o.run_id;
        DROP TABLE run_origins;
        ALTER TABLE run_origins_v5 RENAME TO run_origins;
        CREATE TABLE history_v5 (
            entry_key INTEGER PRIMARY KEY,
            sequence INTEGER NOT NULL,
            event_type TEXT,
            event_body TEXT,
            run_id TEXT,
            step_id TEXT,
            worker_type TEXT,
            worker_name TEXT,
            visit INTEGER,
            attempt INTEGER,
            outcome TEXT,
            input TEXT,
            output TEXT,
            error TEXT,
            timestamp INTEGER,
            duration INTEGER,
            usage_input INTEGER,
            usage_output INTEGER,
            usage_model TEXT,
            usage_cost TEXT,
            next_step TEXT,
            data TEXT,
            {PositionAndTotalColumns},
            CHECK (CASE WHEN event_type IS NULL
                THEN run_id IS NOT NULL AND step_id IS NOT NULL AND worker_type IS NOT NULL AND worker_name IS NOT NULL
                    AND visit IS NOT NULL AND attempt IS NOT NULL AND outcome IS NOT NULL AND timestamp IS NOT NULL
                    AND duration IS NOT NULL AND next_step IS NOT NULL
                ELSE event_body IS NOT NULL AND run_id IS NULL END)
        );
        INSERT INTO history_v5 (entry_key, {V5EntryColumns})
            SELECT entry_key, {V5EntryColumns} FROM history;
        INSERT INTO history_v5 (entry_key, sequence, event_type, event_body)
            SELECT e.event_key + COALESCE(n.entries, 0) - 1, e.event_key % {Scale}, e.type, e.body
            FROM events e LEFT JOIN (SELECT entry_key / {Scale} AS run_key, max(sequence) + 1 AS entries FROM history GROUP BY 1) n
                ON n.run_key = e.event_key / {Scale};
        DROP TABLE history;
        DROP TABLE events;
        ALTER TABLE history_v5 RENAME TO history;
        """;

    /// <summary>
    /// Version 6: the runs started from a run (its forks, re-runs and sub-workflow children), found by their
    /// parent. A partial index: a run with no parent, as most are, adds no entry to it, so creating one writes
    /// nothing more.
    /// </summary>
    internal const string MigrateToV6 = """
        CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id, created_at) WHERE parent_run_id IS NOT NULL;
        """;

    private const string V5RunColumns = """
        run_key, run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash,
                created_at, updated_at, error, parent_run_id, parent_sequence, lease_owner, lease_expires, fence, history_count,
                size_bytes, input_tokens, output_tokens, cost, control, control_by, control_reason
        """;

    private const string V5EntryColumns = """
        run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, input, output, error,
                timestamp, duration, usage_input, usage_output, usage_model, usage_cost, next_step, data, pos_step,
                pos_visit, pos_attempt, pos_steps, pos_error, pos_updated, pos_bus, total_count, total_bytes, total_input,
                total_output, total_cost
        """;

    /// <summary>
    /// Version 4: each run's events, keyed like history (<c>run_key * 2^24 + sequence</c>, so a run's events
    /// are appended at the end of the table's B-tree), and a run's pending control request (cancel, pause).
    /// Runs stored before have no events; their next checkpoint's events are numbered from 1.
    /// </summary>
    internal const string MigrateToV4 = """
        CREATE TABLE IF NOT EXISTS events (
            event_key INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            body TEXT NOT NULL
        );
        ALTER TABLE runs ADD COLUMN control TEXT;
        ALTER TABLE runs ADD COLUMN control_by TEXT;
        ALTER TABLE runs ADD COLUMN control_reason TEXT;
        """;

    /// <summary>Version 2: a run's budgets, kept with its origin so a resumed run honours them.</summary>
    internal const string MigrateToV2 = """
        ALTER TABLE run_origins ADD COLUMN max_tokens INTEGER;
        ALTER TABLE run_origins ADD COLUMN max_cost TEXT;
        """;

    /// <summary>Rows a run may hold in the <c>history</c> table, entries and events together: a row's key is the run's key times this plus the row's number within the run.</summary>
    public const long EntriesPerRun = 1L << 24;

    /// <summary><see cref="EntriesPerRun"/> as SQL text.</summary>
    public const string Scale = "16777216";

    /// <summary>
    /// Version 3: each run gets an integer key, and <c>history</c> is keyed by <c>run_key * 2^24 + sequence</c>
    /// (an integer primary key: a run's entries are appended at the end of the table's B-tree, one page per
    /// commit). A history row may carry the run's position after its attempt (step, visit, attempt, steps
    /// taken, error, time), the sequence of the row whose <c>data</c> is the run's data bus (NULL: the
    /// <c>runs</c> row's), and the run's running totals. Rows written before carry none (NULL). The history
    /// table is rebuilt, keeping every row of every run.
    /// </summary>
    internal const string MigrateToV3 = $"""
        ALTER TABLE runs ADD COLUMN run_key INTEGER;
        UPDATE runs SET run_key = rowid;
        CREATE UNIQUE INDEX runs_by_key ON runs (run_key);
        CREATE TABLE history_v3 (
            entry_key INTEGER PRIMARY KEY,
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
            {PositionAndTotalColumns}
        );
        INSERT INTO history_v3 (entry_key, {V2HistoryColumns})
            SELECT r.run_key * {Scale} + h.sequence, {V2HistoryColumnsOfH}
            FROM history h JOIN runs r ON r.run_id = h.run_id
            WHERE h.sequence >= 0 AND h.sequence < {Scale};
        DROP TABLE history;
        ALTER TABLE history_v3 RENAME TO history;
        """;

    /// <summary>The position and running-total columns of a history entry's row (version 3 on).</summary>
    private const string PositionAndTotalColumns = """
        pos_step TEXT, pos_visit INTEGER, pos_attempt INTEGER, pos_steps INTEGER, pos_error TEXT, pos_updated INTEGER,
            pos_bus INTEGER, total_count INTEGER, total_bytes INTEGER, total_input INTEGER, total_output INTEGER, total_cost TEXT
        """;

    private const string V2HistoryColumns = """
        run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, input, output, error,
                timestamp, duration, usage_input, usage_output, usage_model, usage_cost, next_step, data
        """;

    private const string V2HistoryColumnsOfH = """
        h.run_id, h.sequence, h.step_id, h.worker_type, h.worker_name, h.visit, h.attempt, h.outcome, h.input, h.output,
                h.error, h.timestamp, h.duration, h.usage_input, h.usage_output, h.usage_model, h.usage_cost, h.next_step, h.data
        """;

    /// <summary>The columns of a <c>runs</c> row after its id, as version 1 created them (later versions add columns after these).</summary>
    private const string RunColumnsAfterId = """
        workflow_name TEXT NOT NULL, state TEXT NOT NULL, current_step TEXT NOT NULL, visit INTEGER NOT NULL,
            attempt INTEGER NOT NULL, steps_taken INTEGER NOT NULL, data TEXT NOT NULL, definition_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, error TEXT, parent_run_id TEXT, parent_sequence INTEGER,
            lease_owner TEXT, lease_expires INTEGER, fence INTEGER NOT NULL, history_count INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost TEXT
        """;

    internal const string CreateV1 = $"""
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT NOT NULL PRIMARY KEY,
            {RunColumnsAfterId}
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

    /// <summary>
    /// Creates the schema when the file has none, migrates an older one, and refuses a file written by a newer
    /// schema. Safe when many connections or processes open the same file at once: the version is read again
    /// inside a write transaction (<c>BEGIN IMMEDIATE</c>, which waits for the busy timeout), so only the first
    /// to take the lock creates or migrates and the others find the current version.
    /// </summary>
    public static void Ensure(SqliteConnection connection, string source)
    {
        if (Check(UserVersion(connection), source))
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (Check(version, source))
            {
                return;
            }

            if (version is >= 1 and < 3)
            {
                RefuseUnkeyableHistory(command, source, version);
            }

            if (version < 5)
            {
                command.CommandText = (version < 1 ? CreateV1 : string.Empty) + (version < 2 ? MigrateToV2 : string.Empty) + (version < 3 ? MigrateToV3 : string.Empty)
                    + (version < 4 ? MigrateToV4 : string.Empty);
                command.ExecuteNonQuery();
                if (version >= 1)
                {
                    RefuseUnsplittableRuns(command, source, version);
                }

                command.CommandText = MigrateToV5;
                command.ExecuteNonQuery();
            }

            command.CommandText = MigrateToV6 + $"PRAGMA user_version = {CurrentVersion};";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>True when the file is at the current version; throws when it is newer; false when it needs creating or migrating.</summary>
    private static bool Check(int version, string source)
    {
        if (version > CurrentVersion)
        {
            throw new KeelException(
                $"SQLite run store '{source}' has schema version {version}, newer than version {CurrentVersion} that this version of Keel knows. Upgrade Keel to open it (the file was not changed).");
        }

        return version == CurrentVersion;
    }

    /// <summary>Version 3 keys history rows by sequence within 0 to 2^24 - 1: a file holding others is refused unchanged rather than losing them.</summary>
    private static void RefuseUnkeyableHistory(SqliteCommand command, string source, int version)
    {
        command.CommandText = $"""
            SELECT h.run_id, h.sequence FROM history h
            WHERE h.sequence < 0 OR h.sequence >= {Scale} OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = h.run_id)
            LIMIT 1;
            """;
        using var reader = command.ExecuteReader();
        if (reader.Read())
        {
            throw new KeelException(
                $"SQLite run store '{source}' (schema version {version}) holds history entry {reader.GetInt64(1)} of run '{reader.GetString(0)}', which schema version {CurrentVersion} cannot hold (entries are numbered 0 to {EntriesPerRun - 1} and belong to a stored run). The file was not changed.");
        }
    }

    /// <summary>
    /// Version 5 keeps a run's entries and its events in one key range of 2^24 rows: a file holding a run with
    /// more is refused unchanged rather than losing them (the migration is one transaction, rolled back by the
    /// refusal).
    /// </summary>
    private static void RefuseUnsplittableRuns(SqliteCommand command, string source, int version)
    {
        command.CommandText = $"""
            SELECT COALESCE((SELECT run_id FROM runs WHERE run_key = t.k), 'unknown'), sum(t.entries), sum(t.events) FROM (
                SELECT entry_key / {Scale} AS k, max(sequence) + 1 AS entries, 0 AS events FROM history GROUP BY 1
                UNION ALL SELECT event_key / {Scale}, 0, max(event_key % {Scale}) FROM events GROUP BY 1) t
            GROUP BY t.k HAVING sum(t.entries) + sum(t.events) > {Scale}
            LIMIT 1;
            """;
        using var reader = command.ExecuteReader();
        if (reader.Read())
        {
            throw new KeelException(
                $"SQLite run store '{source}' (schema version {version}) holds run '{reader.GetString(0)}' with {reader.GetInt64(1)} history entries and {reader.GetInt64(2)} events, more than the {EntriesPerRun} rows a run may hold in schema version {CurrentVersion}. The file was not changed.");
        }
    }

    /// <summary>The file's <c>PRAGMA user_version</c> (0 for a new file).</summary>
    public static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
