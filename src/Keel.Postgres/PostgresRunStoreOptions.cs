namespace Keel;

/// <summary>How a <see cref="PostgresRunStore"/> reaches its database. <see cref="ConnectionString"/> is required.</summary>
public sealed class PostgresRunStoreOptions
{
    /// <summary>
    /// The server to use: an Npgsql connection string (<c>Host=db;Username=keel;Password=...;Database=keel</c>)
    /// or a URI (<c>postgres://keel:...@db:5432/keel?sslmode=require</c>). The password is never shown in
    /// messages, logs or <see cref="PostgresRunStore.DataSource"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The PostgreSQL schema that holds Keel's tables, created with them when missing. Default <c>keel</c>.
    /// Stores on different schemas of one database are separate clusters.
    /// </summary>
    public string Schema { get; set; } = "keel";

    /// <summary>
    /// The clock leases are measured against. Default null: the server's clock (<c>now()</c>), so every
    /// machine of a cluster agrees whatever its own clock says. Set it only to test leases on a fake clock.
    /// </summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>How long one statement may run before it fails. Default 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
