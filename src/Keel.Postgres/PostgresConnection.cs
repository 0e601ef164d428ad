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

    /// <summary>
    /// The connection parameters of <paramref name="builder"/> other than the host, port, user, database and any
    /// password, as a URI query (<c>?sslmode=Require&amp;application_name=workers</c>), or empty: what a printed
    /// address keeps so that a suggested command connects the same way.
    /// </summary>
    public static string NonSecretQuery(NpgsqlConnectionStringBuilder builder)
    {
        var set = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
        var query = new System.Text.StringBuilder();
        foreach (string keyword in set.Keys)
        {
            if (keyword.Contains("password", StringComparison.OrdinalIgnoreCase) || AddressKeywords.Contains(keyword))
            {
                continue;
            }

            var name = UriParameters.FirstOrDefault(p => string.Equals(p.Value, keyword, StringComparison.OrdinalIgnoreCase)).Key ?? keyword;
            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(Convert.ToString(set[keyword], CultureInfo.InvariantCulture) ?? string.Empty));
        }

        return query.ToString();
    }

    private static readonly HashSet<string> AddressKeywords = new(StringComparer.OrdinalIgnoreCase) { "Host", "Server", "Port", "Username", "User Name", "User Id", "Database", "Db" };

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
            var builder = uri ? FromUri(text) : new NpgsqlConnectionStringBuilder(text);
            return string.IsNullOrWhiteSpace(builder.Host)
                ? throw new FormatException(uri ? "it names no host (postgres://USER@HOST[:PORT]/DATABASE)." : "it names no Host (Host=HOST;Database=DATABASE;Username=USER).")
                : builder;
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

        // The whole address is hidden only when it holds a secret: a short one such as "postgres://" may well be part of the message.
        var secrets = Secrets(connection).ToArray();
        var result = secrets.Length == 0 ? message : message.Replace(connection, "(connection string)", StringComparison.Ordinal);
        foreach (var secret in secrets)
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
            // An unparsable string: fall back to the raw password-looking parts, the URI's user:password@ included.
            password = UriPassword(connection);
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

    /// <summary>The raw password of a URI's <c>user:password@</c>, read without parsing the rest; null when there is none.</summary>
    private static string? UriPassword(string text)
    {
        var start = text.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var authority = text[(start + 3)..];
        var end = authority.IndexOfAny(['/', '?']);
        authority = end >= 0 ? authority[..end] : authority;
        var at = authority.LastIndexOf('@');
        var colon = at > 0 ? authority.IndexOf(':', StringComparison.Ordinal) : -1;
        return colon >= 0 && colon < at ? authority[(colon + 1)..at] : null;
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
        if (colon == 0)
        {
            throw new FormatException("it names no host before the port (postgres://USER@HOST:PORT/DATABASE).");
        }

        if (colon > 0 && !authority.EndsWith(']') && (authority[0] == '[' || authority.IndexOf(':', StringComparison.Ordinal) == colon))
        {
            var text = authority[(colon + 1)..];
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
                ? (Uri.UnescapeDataString(authority[..colon]).Trim('[', ']'), port)
                : throw new FormatException($"the port '{text}' is not a number from 1 to 65535.");
        }

        return (Uri.UnescapeDataString(authority).Trim('[', ']'), null);
    }
}
