namespace Keel.Cli.Runs;

/// <summary>
/// Where the run store is: <c>--store</c>, else <c>$KEEL_STORE</c>, else keel.db in the current folder. A
/// <c>postgres://</c> URI or an Npgsql connection string names a PostgreSQL store; it is shown only without its password.
/// </summary>
internal static class StorePaths
{
    public const string Default = "keel.db";

    public static string Resolve(string? option)
    {
        var path = Raw(option);
        return PostgresAddress.IsPostgres(path) ? path! : Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? Default : path);
    }

    /// <summary>The store as given (<c>--store</c>, else <c>$KEEL_STORE</c>), or null for the default.</summary>
    public static string? Raw(string? option)
        => !string.IsNullOrWhiteSpace(option) ? option : Environment.GetEnvironmentVariable("KEEL_STORE");

    /// <summary>The store as messages show it: a file's full path, a PostgreSQL address without its password.</summary>
    public static string Display(string resolved)
        => PostgresAddress.IsPostgres(resolved) ? PostgresAddress.WithoutPassword(resolved) : resolved;

    /// <summary>The argument to repeat in a suggested command: empty for the default store.</summary>
    public static string Suffix(string? option)
        => string.IsNullOrWhiteSpace(option) ? string.Empty : " --store " + Quote(Display(option));

    private static string Quote(string text) => text.Contains(' ', StringComparison.Ordinal) ? "\"" + text + "\"" : text;
}
