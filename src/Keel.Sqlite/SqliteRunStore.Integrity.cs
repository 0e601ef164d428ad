using Keel.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel;

public sealed partial class SqliteRunStore
{
    /// <summary>
    /// Checks the file for damage: SQLite's <c>PRAGMA quick_check</c> (the structure of every page and
    /// index, in time linear in the file's size, without comparing indexes to their tables), then runs that
    /// other tables know of but whose own row is missing. Returns the problems found, at most
    /// <paramref name="maxProblems"/>; empty when the file is sound. Flipped bytes inside a stored value are
    /// found only when the value is read (<see cref="RunStoreDamagedException"/>).
    /// </summary>
    public ValueTask<IReadOnlyList<string>> CheckIntegrityAsync(int maxProblems = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProblems, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var problems = new List<string>();
        try
        {
            using var connection = OpenReader();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA quick_check({maxProblems});";
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var line = reader.IsDBNull(0) ? string.Empty : reader.GetString(0);
                    if (!string.Equals(line, "ok", StringComparison.Ordinal))
                    {
                        problems.Add(line);
                    }
                }
            }

            if (problems.Count == 0)
            {
                command.CommandText = $"""
                    SELECT o.run_id FROM run_origins o WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_key = o.run_key AND r.run_id = o.run_id)
                    UNION SELECT DISTINCT run_id FROM history WHERE run_id NOT IN (SELECT run_id FROM runs)
                    UNION SELECT r.run_id FROM runs r WHERE NOT EXISTS (SELECT 1 FROM run_origins o WHERE o.run_key = r.run_key)
                        OR definition_hash NOT IN (SELECT definition_hash FROM definitions)
                    LIMIT {maxProblems};
                    """;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    problems.Add($"run '{reader.GetString(0)}' is missing some of its rows (its run, origin or definition row)");
                }
            }
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamage(ex))
        {
            problems.Add($"{SqliteErrors.Describe(ex)} ({ex.Message})");
        }
        catch (SqliteException ex)
        {
            throw SqliteErrors.Translate(ex, DataSource);
        }

        return new((IReadOnlyList<string>)problems);
    }
}
