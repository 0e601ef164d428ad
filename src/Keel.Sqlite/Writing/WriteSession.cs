using System.Buffers;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Writing;

/// <summary>The writer's connection and its prepared commands, reused across batches.</summary>
internal sealed class WriteSession(SqliteConnection connection, string source, bool rememberTails = true) : IDisposable
{
    private long _dataVersion = -1;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    // Keyed by the SQL string's identity: the hot path's statements are constants, and hashing their text on
    // every commit costs more than binding them. An equal string from elsewhere only prepares a second copy.
    private readonly Dictionary<string, RawStatement> _statements = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, RawScript> _scripts = new(ReferenceEqualityComparer.Instance);

    private readonly ArrayBufferWriter<byte> _json = new(1024);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>The event's JSON in the session's reused buffer, valid until the next call.</summary>
    public ReadOnlySpan<byte> Json(RunEvent runEvent)
    {
        _json.ResetWrittenCount();
        RunEventJson.Write(_json, runEvent);
        return _json.WrittenSpan;
    }

    /// <summary>The file (or connection string) the store names in its errors.</summary>
    public string Source { get; } = source;

    /// <summary>A prepared command for <paramref name="sql"/>, its parameters as the last use left them (set them all).</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        return command;
    }

    /// <summary>A statement for <paramref name="sql"/> prepared once and bound by position (the hot path's).</summary>
    public RawStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new RawStatement(Connection.Handle!, sql);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>The statements of <paramref name="sql"/> prepared once and bound by name (writes with many parameters).</summary>
    public RawScript Script(string sql)
    {
        if (!_scripts.TryGetValue(sql, out var script))
        {
            script = new RawScript(Connection.Handle!, sql);
            _scripts.Add(sql, script);
        }

        return script;
    }

    public void Execute(string sql) => Statement(sql).Run();

    /// <summary>What the writer remembers of each run's tail (see <see cref="RunTails"/>).</summary>
    public RunTails Tails { get; } = new(rememberTails);

    /// <summary>
    /// Begins a write transaction, holding the write lock, and forgets every remembered tail when another
    /// connection committed since this one last looked.
    /// </summary>
    public void Begin()
    {
        Execute("BEGIN IMMEDIATE;");
        var version = Statement("PRAGMA data_version;");
        try
        {
            var current = version.Step() ? version.Int64(0) : -1;
            if (current != _dataVersion)
            {
                Tails.Clear();
                _dataVersion = current;
            }
        }
        finally
        {
            version.Reset();
        }
    }

    /// <summary>Rolls the open transaction back (when one is open) and forgets every remembered tail.</summary>
    public void Rollback()
    {
        Tails.Clear();
        if (!InAutocommit)
        {
            Execute("ROLLBACK;");
        }
    }

    /// <summary>Rolls back to the savepoint <c>op</c> and forgets every remembered tail (a tail may have moved since).</summary>
    public void RollbackToSavepoint()
    {
        Tails.Clear();
        Execute("ROLLBACK TO op;");
    }

    /// <summary>True when no transaction is open (SQLite rolled one back by itself, e.g. on a full disk).</summary>
    public bool InAutocommit => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) != 0;

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
        foreach (var script in _scripts.Values)
        {
            script.Dispose();
        }

        _scripts.Clear();
        Connection.Dispose();
    }
}
