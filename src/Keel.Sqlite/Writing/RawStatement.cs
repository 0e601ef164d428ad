using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Keel.Sqlite.Writing;

/// <summary>
/// A statement prepared once on the writer's connection and bound by position, for the commit path run
/// thousands of times a second (no parameter lookup by name, no data reader). Errors surface as
/// <see cref="SqliteException"/>, as from a command.
/// </summary>
/// <remarks>
/// SQLite keeps a statement's bindings across resets, so a parameter bound to the value it already holds
/// is not bound again: a run's checkpoints repeat most of their values (run id, worker, visit, nulls), and
/// each native call costs more than the comparison.
/// </remarks>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly Bound[] _bound;

    public RawStatement(sqlite3 db, string sql)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        _bound = new Bound[raw.sqlite3_bind_parameter_count(_statement) + 1];
    }

    /// <summary>A statement already prepared on <paramref name="db"/> (one of a <see cref="RawScript"/>'s).</summary>
    public RawStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
        _bound = new Bound[raw.sqlite3_bind_parameter_count(_statement) + 1];
    }

    /// <summary>How many parameters the statement has (numbered from 1).</summary>
    public int ParameterCount => _bound.Length - 1;

    /// <summary>The name of parameter <paramref name="index"/> as written in the SQL (<c>$run_id</c>), or null for a bare <c>?</c>.</summary>
    public string? ParameterName(int index) => raw.sqlite3_bind_parameter_name(_statement, index).utf8_to_string();

    public void Bind(int index, long value)
    {
        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Integer && bound.Integer == value)
        {
            return;
        }

        bound.Kind = BoundKind.Unknown;
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        bound = new Bound { Kind = BoundKind.Integer, Integer = value };
    }

    public void Bind(int index, long? value)
    {
        if (value is { } v)
        {
            Bind(index, v);
        }
        else
        {
            BindNull(index);
        }
    }

    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }

        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Text && string.Equals(bound.Text, value, StringComparison.Ordinal))
        {
            return;
        }

        bound.Kind = BoundKind.Unknown;
        // Bound as UTF-16 from the string's own characters: SQLite copies them (no UTF-8 array per bind).
        Check(raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));
        bound = new Bound { Kind = BoundKind.Text, Text = value };
    }

    /// <summary>Binds UTF-8 text (copied by SQLite, so the buffer may be reused at once); never skipped as unchanged.</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8)
    {
        _bound[index].Kind = BoundKind.Unknown;
        Check(raw.sqlite3_bind_text(_statement, index, utf8));
    }

    /// <summary>Rows the last completed INSERT, UPDATE or DELETE on the connection changed.</summary>
    public int Changes => raw.sqlite3_changes(_db);

    public void BindNull(int index)
    {
        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Null)
        {
            return;
        }

        bound.Kind = BoundKind.Unknown;
        Check(raw.sqlite3_bind_null(_statement, index));
        bound = new Bound { Kind = BoundKind.Null };
    }

    /// <summary>Steps once: true when a row is available (read it, then <see cref="Reset"/>), false when done (already reset).</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            raw.sqlite3_reset(_statement);
            return false;
        }

        try
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
            return false;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a statement that returns no rows.</summary>
    public void Run()
    {
        if (Step())
        {
            Reset();
        }
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public long? NullableInt64(int column) => IsNull(column) ? null : Int64(column);

    public string? Text(int column) => IsNull(column) ? null : raw.sqlite3_column_text(_statement, column).utf8_to_string();

    public void Dispose() => _statement.Dispose();

    private enum BoundKind : byte
    {
        Unknown,
        Null,
        Integer,
        Text,
    }

    /// <summary>The value a parameter holds now, as far as this statement bound it.</summary>
    private struct Bound
    {
        public BoundKind Kind;
        public long Integer;
        public string? Text;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
