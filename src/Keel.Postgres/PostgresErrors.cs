using System.Net.Sockets;
using Npgsql;

namespace Keel.Postgres;

/// <summary>
/// Turns PostgreSQL and Npgsql failures into <see cref="RunStoreException"/>s (the store failed: a caller tells them
/// from bad input, a server answers 503, the keel command exits 4) that name the server, never its password, and the problem.
/// </summary>
internal static class PostgresErrors
{
    public static Exception Translate(Exception exception, string source, string connectionString) => exception switch
    {
        KeelException or OperationCanceledException or ArgumentException => exception,
        PostgresException pg => new RunStoreException(
            source, $"PostgreSQL run store {source}: {Describe(pg)} (SQLSTATE {pg.SqlState}: {PostgresConnection.Redact(pg.MessageText, connectionString)})"),
        NpgsqlException npgsql => new RunStoreException(
            source, $"PostgreSQL run store {source}: {Describe(npgsql)} ({PostgresConnection.Redact(Innermost(npgsql).Message, connectionString)})"),
        TimeoutException => new RunStoreException(source, $"PostgreSQL run store {source}: the server did not answer in time."),
        _ => exception,
    };

    private static string Describe(PostgresException exception) => exception.SqlState switch
    {
        "28P01" or "28000" => "the server refused the login (check the user name and password)",
        "3D000" => "the database does not exist",
        "42501" => "the user lacks a permission the store needs",
        "53300" => "the server has no free connection slots",
        "57P01" or "57P02" or "57P03" => "the server is shutting down or starting up",
        "40001" or "40P01" => "the transaction conflicted with another and was rolled back",
        _ => "the database operation failed",
    };

    private static string Describe(NpgsqlException exception) => Innermost(exception) switch
    {
        SocketException => "cannot reach the server (check the host, the port and that it is running)",
        TimeoutException => "the server did not answer in time",
        _ => "the connection to the server failed",
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }
}
