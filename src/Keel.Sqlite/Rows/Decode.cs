using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Rows;

/// <summary>
/// Reads stored rows, turning a row that cannot be decoded (a NULL where a value must be, JSON that does not
/// parse, an unknown state name: what flipped bytes leave behind) into a <see cref="RunStoreDamagedException"/>
/// that names the file and the run.
/// </summary>
internal static class Decode
{
    public static RunRecord Run(SqliteDataReader reader, string source)
    {
        try
        {
            return RunRows.Read(reader);
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            var runId = RunIdOf(reader);
            throw SqliteErrors.Damaged(source, $"the row of run '{runId}' cannot be read ({ex.Message})", ex, unreadable: [runId]);
        }
    }

    public static HistoryEntry Entry(SqliteDataReader reader, string source, string runId)
    {
        try
        {
            return HistoryRows.Read(reader);
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            var sequence = reader.IsDBNull(1) ? "?" : reader.GetValue(1).ToString();
            throw SqliteErrors.Damaged(source, $"history entry {sequence} of run '{runId}' cannot be read ({ex.Message})", ex, unreadable: [runId]);
        }
    }

    /// <summary>The run id of the current row (column 0), or a placeholder when even that is unreadable.</summary>
    public static string RunIdOf(SqliteDataReader reader)
    {
        try
        {
            return reader.IsDBNull(0) ? "(unknown)" : reader.GetString(0);
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            return "(unknown)";
        }
    }

    public static bool IsUndecodable(Exception exception)
        => exception is JsonException or InvalidCastException or FormatException or OverflowException or ArgumentException or KeelException
            || (exception is SqliteException sqlite && SqliteErrors.IsDamage(sqlite));
}
