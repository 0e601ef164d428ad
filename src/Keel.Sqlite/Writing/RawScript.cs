using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Keel.Sqlite.Writing;

/// <summary>
/// One or more statements prepared once on the writer's connection and bound by parameter name, for writes
/// with many named parameters (a run's creation, the rewrite of its row). Unlike a command, a use binds each
/// value straight into the statements that name it: no parameter objects, no name lookup in native code and
/// no data reader per execution.
/// </summary>
internal sealed class RawScript : IDisposable
{
    private readonly RawStatement[] _statements;
    private readonly Dictionary<string, (int Statement, int Index)[]> _parameters;

    public RawScript(sqlite3 db, string sql)
    {
        var statements = new List<RawStatement>();
        var parameters = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
        try
        {
            var rest = sql;
            while (!string.IsNullOrWhiteSpace(rest))
            {
                var rc = raw.sqlite3_prepare_v3(db, rest, raw.SQLITE_PREPARE_PERSISTENT, out var prepared, out var tail);
                SqliteException.ThrowExceptionForRC(rc, db);
                rest = tail;
                if (prepared is null || prepared.IsInvalid)
                {
                    continue;
                }

                var statement = new RawStatement(db, prepared);
                for (var i = 1; i <= statement.ParameterCount; i++)
                {
                    var name = statement.ParameterName(i) ?? throw new ArgumentException($"Every parameter of a script must be named: {sql}", nameof(sql));
                    if (!parameters.TryGetValue(name, out var uses))
                    {
                        parameters.Add(name, uses = []);
                    }

                    uses.Add((statements.Count, i));
                }

                statements.Add(statement);
            }
        }
        catch
        {
            foreach (var statement in statements)
            {
                statement.Dispose();
            }

            throw;
        }

        _statements = [.. statements];
        _parameters = new Dictionary<string, (int, int)[]>(parameters.Count, StringComparer.Ordinal);
        foreach (var pair in parameters)
        {
            _parameters.Add(pair.Key, [.. pair.Value]);
        }
    }

    /// <summary>Binds <paramref name="value"/> (a long, an int, a string, or null/<see cref="DBNull"/>) wherever the script names <paramref name="name"/>.</summary>
    public void Set(string name, object? value)
    {
        if (!_parameters.TryGetValue(name, out var uses))
        {
            throw new ArgumentException($"The script has no parameter '{name}'.", nameof(name));
        }

        foreach (var (statement, index) in uses)
        {
            var target = _statements[statement];
            switch (value)
            {
                case null or DBNull:
                    target.BindNull(index);
                    break;
                case long number:
                    target.Bind(index, number);
                    break;
                case int number:
                    target.Bind(index, number);
                    break;
                case string text:
                    target.Bind(index, text);
                    break;
                default:
                    throw new ArgumentException($"A script parameter cannot hold a {value.GetType().Name} ('{name}').", nameof(value));
            }
        }
    }

    /// <summary>Binds a number without boxing it.</summary>
    public void Set(string name, long value)
    {
        if (!_parameters.TryGetValue(name, out var uses))
        {
            throw new ArgumentException($"The script has no parameter '{name}'.", nameof(name));
        }

        foreach (var (statement, index) in uses)
        {
            _statements[statement].Bind(index, value);
        }
    }

    /// <summary>Runs the statements in order (none may return rows).</summary>
    public void Run()
    {
        foreach (var statement in _statements)
        {
            statement.Run();
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements)
        {
            statement.Dispose();
        }
    }
}
