using Keel.Postgres;

namespace Keel;

/// <summary>
/// Tells a PostgreSQL address (a <c>postgres://</c> URI or an Npgsql connection string) from a file path,
/// and shows one without its password: what a command-line tool or a host prints instead of the address it was given.
/// </summary>
public static class PostgresAddress
{
    /// <summary>True when <paramref name="store"/> is a <c>postgres://</c> or <c>postgresql://</c> URI or an Npgsql connection string naming a host.</summary>
    public static bool IsPostgres(string? store) => !string.IsNullOrWhiteSpace(store) && PostgresConnection.Looks(store);

    /// <summary>
    /// The address as a URI without its password (<c>postgres://keel@db:5433/keel?sslmode=Require</c>: its other
    /// parameters are kept), fit to print or to repeat in a suggested command (the password then comes from
    /// <c>PGPASSWORD</c> or a password file).
    /// </summary>
    public static string WithoutPassword(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        try
        {
            var builder = PostgresConnection.Parse(address);
            var user = string.IsNullOrEmpty(builder.Username) ? string.Empty : Uri.EscapeDataString(builder.Username) + "@";
            var port = builder.Port == 5432 ? string.Empty : ":" + builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var database = string.IsNullOrEmpty(builder.Database) ? string.Empty : "/" + Uri.EscapeDataString(builder.Database);
            return $"postgres://{user}{builder.Host ?? "localhost"}{port}{database}{PostgresConnection.NonSecretQuery(builder)}";
        }
        catch (KeelException)
        {
            return "(a PostgreSQL address that is not valid)";
        }
    }

    /// <summary><paramref name="text"/> with the password of <paramref name="address"/>, and the address itself, removed.</summary>
    public static string Redact(string text, string address)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.IsNullOrEmpty(address) ? text : PostgresConnection.Redact(text, address);
    }
}
