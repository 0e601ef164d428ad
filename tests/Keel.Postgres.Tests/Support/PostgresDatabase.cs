using Npgsql;

namespace Keel.Postgres.Tests.Support;

/// <summary>A fresh schema on the assembly's server: stores opened over it share its tables, other tests never see them.</summary>
public sealed class PostgresDatabase(PostgresServer server) : IDisposable
{
    public PostgresServer Server { get; } = server;

    public string Schema { get; } = PostgresServer.NewSchema();

    public string ConnectionString => Server.ConnectionString;

    public PostgresRunStoreOptions Options => new() { ConnectionString = ConnectionString, Schema = Schema };

    public PostgresRunStore Open() => new(Options);

    /// <summary>A raw connection, outside the store (to look at or tamper with its tables).</summary>
    public NpgsqlConnection OpenRaw()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public int Execute(string sql)
    {
        using var connection = OpenRaw();
        using var command = new NpgsqlCommand(sql.Replace("{0}", $"\"{Schema}\"", StringComparison.Ordinal), connection);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql)
    {
        using var connection = OpenRaw();
        using var command = new NpgsqlCommand(sql.Replace("{0}", $"\"{Schema}\"", StringComparison.Ordinal), connection);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        try
        {
            Execute("DROP SCHEMA IF EXISTS {0} CASCADE;");
        }
        catch (NpgsqlException)
        {
            // The server is gone (the fixture stopped it): the whole cluster is deleted anyway.
        }
    }
}
