using Keel.Postgres;
using Keel.Postgres.Notifications;
using Keel.Postgres.Schema;
using Npgsql;

namespace Keel;

/// <summary>
/// Runs recorded in PostgreSQL, shared by any number of processes on any number of machines. Each
/// checkpoint is one statement (one transaction) that checks the run's fencing token and writes the history
/// entry, the data bus and the position together, so a writer that lost its lease writes nothing. Lease
/// checks and leases are plain SQL on the runs table. The schema (default <c>keel</c>) is created on first
/// use under an advisory lock, so processes starting at once create it once; one written by a newer Keel is
/// refused. The password of the connection string never appears in messages.
/// </summary>
public sealed partial class PostgresRunStore : IRunStore, IDisposable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _connectionString;
    private readonly string _schemaName;
    private readonly SemaphoreSlim _readyGate = new(1, 1);
    private readonly Lazy<PostgresListener> _listener;
    private readonly TimeProvider? _clock;
    private readonly ServerClock _serverClock = new();
    private volatile bool _ready;
    private int _disposed;

    /// <summary>Creates a store over the server <paramref name="options"/> names. Nothing is sent to the server until the first call.</summary>
    public PostgresRunStore(PostgresRunStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("PostgresRunStoreOptions.ConnectionString is required (an Npgsql connection string or a postgres:// URI).", nameof(options));
        }

        if (options.CommandTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CommandTimeout, "PostgresRunStoreOptions.CommandTimeout must be positive.");
        }

        Schema = PostgresSchema.Quote(options.Schema);
        _clock = options.Clock;
        _schemaName = options.Schema;
        _connectionString = options.ConnectionString;
        var builder = PostgresConnection.Parse(options.ConnectionString);
        builder.CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds));
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
        }

        // The store leaves no session state on a pooled connection (no SET, no session lock held, LISTEN on a
        // connection of its own), so a connection returned to the pool needs no DISCARD/RESET ALL, which the
        // server would parse and run before every use.
        builder.NoResetOnClose = true;
        builder.ApplicationName ??= "keel";
        DataSource = PostgresConnection.Describe(builder) + $", schema {options.Schema}";
        _dataSource = NpgsqlDataSource.Create(builder);
        var listenerBuilder = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { KeepAlive = 10, Pooling = false, ApplicationName = builder.ApplicationName + " (listen)" };
        var listenerSource = NpgsqlDataSource.Create(listenerBuilder);
        _listener = new Lazy<PostgresListener>(() => new PostgresListener(listenerSource, _schemaName));
        _listenerSource = listenerSource;
    }

    private readonly NpgsqlDataSource _listenerSource;

    /// <summary>The process's LISTEN connection for this schema (opened on first use).</summary>
    internal PostgresListener Listener => _listener.Value;

    /// <summary>Opens a store over <paramref name="connectionString"/> (an Npgsql connection string or a <c>postgres://</c> URI) in the default schema.</summary>
    public static PostgresRunStore Open(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connectionString });
    }

    /// <summary>The server, database, user and schema the store uses, for messages (never the password).</summary>
    public string DataSource { get; }

    /// <summary>
    /// The store's clock: the injected <see cref="PostgresRunStoreOptions.Clock"/>, else the server's clock
    /// (this machine's, corrected by the offset to the server measured when the store was initialized).
    /// </summary>
    public TimeProvider Clock => _clock ?? _serverClock;

    /// <summary>The schema as a quoted SQL identifier.</summary>
    internal string Schema { get; }

    /// <summary>Creates or migrates the schema now, instead of on the first call (to fail fast at start-up).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _readyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await PostgresSchema.EnsureAsync(_dataSource, _schemaName, DataSource, cancellationToken).ConfigureAwait(false);
                await using (var now = _dataSource.CreateCommand($"SELECT {PostgresSchema.NowTicks};"))
                {
                    var server = (long)(await now.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                    _serverClock.Offset = TimeSpan.FromTicks(server - TimeProvider.System.GetUtcNow().UtcTicks);
                }

                _ready = true;
            }
        }
        catch (Exception ex)
        {
            throw PostgresErrors.Translate(ex, DataSource, _connectionString);
        }
        finally
        {
            _readyGate.Release();
        }
    }

    /// <summary>Closes the store's event listener and connection pool, blocking until they are closed; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Closes the store's event listener and connection pool. Later calls do nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_listener.IsValueCreated)
            {
                await _listener.Value.DisposeAsync().ConfigureAwait(false);
            }

            await _listenerSource.DisposeAsync().ConfigureAwait(false);
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SQL with <c>{0}</c> replaced by the schema.</summary>
    internal string Sql(string template) => template.Replace("{0}", Schema, StringComparison.Ordinal);

    /// <summary>Runs <paramref name="work"/> on a pooled connection once the schema is ready, translating failures.</summary>
    internal async ValueTask<T> UseAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw PostgresErrors.Translate(ex, DataSource, _connectionString);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction (committed when it returns, rolled back when it throws).</summary>
    internal ValueTask<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        => UseAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work(connection, transaction, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }, cancellationToken);
}
