using System.Globalization;
using Npgsql;

namespace Keel.Postgres;

/// <summary>
/// Reads a PostgreSQL address in either form users have (an Npgsql connection string or a libpq-style
/// <c>postgres://</c> URI) into an Npgsql connection string, and names a server without its password.
/// </summary>
internal static class PostgresConnection
{
    // libpq URI query parameters and the Npgsql keywords they mean.
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
        ["host"] = "Host",
        ["port"] = "Port",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
    };

    /// <summary>True when <paramref name="store"/> names a PostgreSQL server rather than a file.</summary>
    public static bool Looks(string store)
        => store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || (store.Contains('=', StringComparison.Ordinal) && store.Contains("host", StringComparison.OrdinalIgnoreCase));

    /// <summary>The Npgsql connection string for <paramref name="text"/>; a <see cref="KeelException"/> naming the problem (never the password) when it is not one.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var uri = text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
        try
        {
            return uri ? FromUri(text) : new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new KeelException($"The PostgreSQL {(uri ? "URI" : "connection string")} is not valid: {Redact(ex.Message, text)}");
        }
    }

    /// <summary>The server, database and user, for messages: <c>db:5432/keel (user keel)</c>. Never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
        => $"{builder.Host ?? "localhost"}:{builder.Port.ToString(CultureInfo.InvariantCulture)}/{builder.Database ?? builder.Username ?? "?"} (user {builder.Username ?? "?"})";

    /// <summary>A message with every occurrence of the password of <paramref name="connection"/> (and of the whole text) removed.</summary>
    public static string Redact(string message, string connection)
    {
        if (string.IsNullOrEmpty(message))
        {
            return message;
        }

        var result = message.Replace(connection, "(connection string)", StringComparison.Ordinal);
        foreach (var secret in Secrets(connection))
        {
            result = result.Replace(secret, "***", StringComparison.Ordinal);
        }

        return result;
    }

    private static IEnumerable<string> Secrets(string connection)
    {
        string? password = null;
        try
        {
            password = connection.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && connection.Contains("://", StringComparison.Ordinal)
                ? FromUri(connection).Password
                : new NpgsqlConnectionStringBuilder(connection).Password;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // An unparsable string: fall back to the raw password-looking parts below.
        }

        if (!string.IsNullOrEmpty(password))
        {
            yield return password;
            yield return Uri.EscapeDataString(password);
        }

        foreach (var part in connection.Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim() is var key && (key.Equals("password", StringComparison.OrdinalIgnoreCase) || key.Equals("pwd", StringComparison.OrdinalIgnoreCase)))
            {
                var value = part[(eq + 1)..].Trim();
                if (value.Length > 0)
                {
                    yield return value;
                }
            }
        }
    }

    private static NpgsqlConnectionStringBuilder FromUri(string text)
    {
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string? query = null;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string? database = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            database = Uri.UnescapeDataString(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon >= 0 ? userInfo[..colon] : userInfo);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
        }

        if (rest.Length > 0)
        {
            var hosts = rest.Split(',');
            if (hosts.Length == 1 && HostAndPort(hosts[0]) is (var host, { } port))
            {
                builder.Host = host;
                builder.Port = port;
            }
            else
            {
                builder.Host = string.Join(',', hosts.Select(Uri.UnescapeDataString));
            }
        }

        if (!string.IsNullOrEmpty(database))
        {
            builder.Database = database;
        }

        foreach (var pair in (query ?? string.Empty).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
            var value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')) : string.Empty;
            builder[UriParameters.TryGetValue(key, out var keyword) ? keyword : key] = value;
        }

        return builder;
    }

    private static (string Host, int? Port) HostAndPort(string authority)
    {
        var colon = authority.LastIndexOf(':');
        if (colon > 0 && !authority.EndsWith(']') && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (Uri.UnescapeDataString(authority[..colon]).Trim('[', ']'), port);
        }

        return (Uri.UnescapeDataString(authority).Trim('[', ']'), null);
    }
}
