namespace Keel;

/// <summary>How a <see cref="SqliteRunStore"/> opens its database. Set <see cref="Path"/> or <see cref="ConnectionString"/>.</summary>
public sealed class SqliteRunStoreOptions
{
    /// <summary>The database file (created when missing, with its schema).</summary>
    public string? Path { get; set; }

    /// <summary>A full Microsoft.Data.Sqlite connection string, instead of <see cref="Path"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// When a commit reaches the disk. Default <see cref="SqliteSynchronous.Full"/>: a committed attempt
    /// survives a power loss. <see cref="SqliteSynchronous.Normal"/> is faster and survives a killed process,
    /// but a power loss or an operating-system crash may lose the last commits.
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>How long a write waits for another process's lock before failing. Default 5 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The store's clock, which lease times are read from. Default: <see cref="TimeProvider.System"/> (set a fake one in tests).</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>
    /// The page size, in bytes, of a database file this store creates: a power of two from 512 to 65,536 (SQLite's
    /// <c>PRAGMA page_size</c>). Default 2,048: a checkpoint rewrites a handful of small rows in different B-trees,
    /// and each page it touches is written whole to the log, so smaller pages write less per run
    /// (docs/durability.md, The file's page size). A file that exists keeps the page size it was made with.
    /// </summary>
    public int PageSize { get; set; } = 2048;

    /// <summary>Most checkpoints grouped into one transaction by the writer. Default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// Whether the writer remembers each run's tail between its checkpoints (default) or reads it before
    /// every one. Off only in tests, which show both leave the same rows.
    /// </summary>
    internal bool RememberRunTails { get; set; } = true;
}

/// <summary>SQLite's <c>PRAGMA synchronous</c> modes a run store offers.</summary>
public enum SqliteSynchronous
{
    /// <summary>Every commit is synced to disk before it is acknowledged (power-loss safe).</summary>
    Full,
    /// <summary>The log is synced only at checkpoints: safe against a killed process, not against power loss.</summary>
    Normal,
}
