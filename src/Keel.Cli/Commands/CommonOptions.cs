using System.CommandLine;

namespace Keel.Cli.Commands;

/// <summary>Options several commands share (each command gets its own instance).</summary>
internal static class CommonOptions
{
    public static Option<string?> Store()
    {
        var store = new Option<string?>("--store")
        {
            Description = "The run store: a SQLite file, or a PostgreSQL server as a postgres:// URI or an Npgsql connection string. Default: $KEEL_STORE, else keel.db in the current folder.",
            HelpName = "STORE",
        };

        // An empty --store (an unset variable in a script: --store "$STORE") names no store: refused, not the default.
        store.Validators.Add(result =>
        {
            if (result.Tokens is [{ } token] && string.IsNullOrWhiteSpace(token.Value))
            {
                result.AddError("--store is empty: name a SQLite file or a PostgreSQL address, or leave --store out for the default.");
            }
        });
        return store;
    }

    public static Option<bool> Json(string what) => new("--json")
    {
        Description = $"Write {what} as one JSON document on stdout, and nothing else.",
    };

    public static Argument<string> Run() => new("RUN")
    {
        Description = "The run id (or a prefix that names one run).",
    };

    public static Argument<string> File() => new("FILE")
    {
        Description = "A workflow file, YAML (.yaml, .yml) or JSON (.json).",
    };

    public static Option<string?> By() => new("--by")
    {
        Description = "Who decides (recorded in the history). Default: $USER.",
        HelpName = "NAME",
    };

    public static string Who(string? by)
        => !string.IsNullOrWhiteSpace(by) ? by : Environment.GetEnvironmentVariable("USER") ?? Environment.UserName;
}
