using Keel.Sqlite;
using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;
using Microsoft.Data.Sqlite;

namespace Keel;

/// <summary>
/// Runs recorded in an embedded SQLite file (WAL). Each checkpoint is one transaction holding the history
/// entry, the data bus and the run's position; concurrent checkpoints of many runs are grouped into one
/// transaction by a single writer, and every caller returns only once its checkpoint is committed.
/// Reads use their own connections. The schema is created on first open and versioned; a file written by a
/// newer schema is refused. Safe to share between any number of orchestrators and processes.
/// </summary>
public sealed partial class SqliteRunStore : IRunStore, IDisposable, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SqliteWriter _writer;
    private readonly WriteSession _session;
    private TaskCompletionSource? _waiters;
    private int _disposed;

    /// <summary>Opens (creating when missing) the database <paramref name="options"/> names. Throws <see cref="KeelException"/> naming the file when it cannot be used.</summary>
    public SqliteRunStore(SqliteRunStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = ConnectionStringFor(options);
        DataSource = builder.DataSource;
        _connectionString = builder.ToString();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Configure(connection, options);
            SqliteSchema.Ensure(connection, DataSource);
        }
        catch (Exception ex)
        {
            connection.Dispose();
            SqliteConnection.ClearPool(connection);
            throw SqliteErrors.Translate(ex, DataSource);
        }

        Clock = options.Clock ?? TimeProvider.System;
        _session = new WriteSession(connection, DataSource, options.RememberRunTails);
        _writer = new SqliteWriter(_session, options.MaxBatchSize, synced: options.Synchronous == SqliteSynchronous.Full) { Committed = WakeWatchers };
    }

    /// <summary>The store's clock: the machine's (or <see cref="SqliteRunStoreOptions.Clock"/>); every process sharing the file reads the same one.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Opens (creating when missing) the database file at <paramref name="path"/> with the default options.</summary>
    public static SqliteRunStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new SqliteRunStore(new SqliteRunStoreOptions { Path = path });
    }

    /// <summary>The database file the store uses.</summary>
    public string DataSource { get; }

    /// <summary>Commits that found their run's tail remembered, and read nothing first (for tests).</summary>
    internal long RememberedTailCommits => _session.Tails.Hits;

    /// <summary>The writer, for tests and benchmarks (pausing it groups operations; counting its transactions).</summary>
    internal SqliteWriter Writer => _writer;

    /// <summary>Closes the writer and the connections.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writer.Dispose();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Closes the writer and the connections.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static SqliteConnectionStringBuilder ConnectionStringFor(SqliteRunStoreOptions options)
    {
        if (options.BusyTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BusyTimeout, "SqliteRunStoreOptions.BusyTimeout must not be negative.");
        }

        if (options.PageSize is < 512 or > 65536 || (options.PageSize & (options.PageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PageSize, "SqliteRunStoreOptions.PageSize must be a power of two from 512 to 65536.");
        }

        if (options.MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchSize, "SqliteRunStoreOptions.MaxBatchSize must be at least 1.");
        }

        SqliteConnectionStringBuilder builder;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            if (!string.IsNullOrWhiteSpace(options.Path))
            {
                throw new ArgumentException("Set SqliteRunStoreOptions.Path or ConnectionString, not both.", nameof(options));
            }

            builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        }
        else if (!string.IsNullOrWhiteSpace(options.Path))
        {
            builder = new SqliteConnectionStringBuilder { DataSource = options.Path, Mode = SqliteOpenMode.ReadWriteCreate };
        }
        else
        {
            throw new ArgumentException("SqliteRunStoreOptions needs a Path (the database file) or a ConnectionString.", nameof(options));
        }

        builder.Pooling = true;
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        return builder;
    }

    private static void Configure(SqliteConnection connection, SqliteRunStoreOptions options)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};";
        command.ExecuteNonQuery();
        // Before the log mode: the page size of a new file is fixed when its first page is written (an existing file keeps its own).
        command.CommandText = $"PRAGMA page_size = {options.PageSize};";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteScalar();
        command.CommandText = options.Synchronous == SqliteSynchronous.Normal ? "PRAGMA synchronous = NORMAL;" : "PRAGMA synchronous = FULL;";
        command.ExecuteNonQuery();
    }

    private SqliteConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private Task<T> WriteAsync<T>(Func<WriteSession, T> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _writer.Enqueue(work);
    }

    /// <summary>A write that needs no sync of its own (see <see cref="CreateRunAsync"/>).</summary>
    private Task<T> WriteRelaxedAsync<T>(Func<WriteSession, T> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _writer.Enqueue(work, relaxed: true);
    }

    /// <summary>The signal the next commit of this store completes (created by the first watcher to wait).</summary>
    private Task NextCommit()
    {
        var waiters = Volatile.Read(ref _waiters);
        if (waiters is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters = Interlocked.CompareExchange(ref _waiters, created, null) ?? created;
        }

        return waiters.Task;
    }

    private void WakeWatchers()
    {
        if (Volatile.Read(ref _waiters) is not null)
        {
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        }
    }
}
