namespace Keel.Cli.Runs;

/// <summary>Where the run store is: <c>--store</c>, else <c>$KEEL_STORE</c>, else keel.db in the current folder.</summary>
internal static class StorePaths
{
    public const string Default = "keel.db";

    public static string Resolve(string? option)
    {
        var path = !string.IsNullOrWhiteSpace(option) ? option : Environment.GetEnvironmentVariable("KEEL_STORE");
        return Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? Default : path);
    }

    /// <summary>The argument to repeat in a suggested command: empty for the default store.</summary>
    public static string Suffix(string? option)
        => string.IsNullOrWhiteSpace(option) ? string.Empty : " --store " + Quote(option);

    private static string Quote(string text) => text.Contains(' ', StringComparison.Ordinal) ? "\"" + text + "\"" : text;
}
