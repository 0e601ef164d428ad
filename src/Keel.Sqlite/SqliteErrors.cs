using Microsoft.Data.Sqlite;

namespace Keel.Sqlite;

/// <summary>Turns SQLite failures into <see cref="KeelException"/>s that name the file and the problem.</summary>
internal static class SqliteErrors
{
    public static Exception Translate(Exception exception, string source) => exception switch
    {
        KeelException => exception,
        SqliteException sqlite => new KeelException($"SQLite run store '{source}': {Describe(sqlite)} (SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message})", sqlite),
        _ => exception,
    };

    public static string Describe(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) switch
    {
        5 => "the database is locked by another connection or process and stayed locked past the busy timeout",
        6 => "a table in the database is locked",
        8 => "the database file is read-only",
        10 => "a disk I/O error occurred",
        11 => "the database file is corrupt",
        13 => "the disk (or the database's size limit) is full; nothing of the failed write was kept",
        14 => "the database file cannot be opened (check the path and its directory's permissions)",
        26 => "the file is not a SQLite database",
        _ => "the database operation failed",
    };
}
