using Microsoft.Data.Sqlite;

namespace Keel.Sqlite;

/// <summary>Turns SQLite failures into <see cref="RunStoreException"/>s that name the file and the problem.</summary>
internal static class SqliteErrors
{
    public static Exception Translate(Exception exception, string source) => exception switch
    {
        KeelException => exception,
        SqliteException sqlite when IsDamage(sqlite) => Damaged(source, Describe(sqlite) + $" (SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message.TrimEnd('.')})", sqlite),
        SqliteException sqlite => new RunStoreException(source, $"SQLite run store '{source}': {Describe(sqlite)} (SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message})", sqlite),
        _ => exception,
    };

    /// <summary>SQLITE_CORRUPT or SQLITE_NOTADB: the file's bytes are damaged (or it is not a database).</summary>
    public static bool IsDamage(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) is 11 or 26;

    /// <summary>The store file is damaged: says so, names the file, and what to do.</summary>
    public static RunStoreDamagedException Damaged(string source, string detail, Exception? inner = null, IReadOnlyList<RunRecord>? readable = null, IReadOnlyList<string>? unreadable = null)
        => new(
            source,
            $"the run store file '{source}' is damaged: {detail}. Keep a copy of the file before changing it; "
                + "'sqlite3 FILE .recover' can often salvage what is left.",
            inner,
            readable,
            unreadable);

    public static string Describe(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) switch
    {
        5 => "the database is locked by another connection or process and stayed locked past the busy timeout",
        6 => "a table in the database is locked",
        8 => "the database file is read-only",
        10 => "a disk I/O error occurred",
        11 => "SQLite found its structure corrupt",
        13 => "the disk (or the database's size limit) is full; nothing of the failed write was kept",
        14 => "the database file cannot be opened (check the path and its directory's permissions)",
        26 => "it is not a SQLite database (or its header is damaged)",
        _ => "the database operation failed",
    };
}
