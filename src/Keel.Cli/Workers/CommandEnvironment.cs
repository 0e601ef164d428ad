
namespace Keel.Cli.Workers;

/// <summary>
/// The environment a command worker's process starts with: only keel's variables that the default allowlist
/// (<see cref="Defaults"/>) or the worker's <c>inherit_env</c> names, so API keys and other secrets of the
/// keel process never reach a worker that was not given them. The worker's <c>env</c> and the <c>KEEL_*</c>
/// variables of the attempt are added on top.
/// </summary>
internal static class CommandEnvironment
{
    /// <summary>Inherited by every command worker: what programs need to find themselves, their user and their locale.</summary>
    public static readonly string[] Defaults =
    [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TERM", "TZ", "TMPDIR",
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA",
    ];

    public static void Apply(IDictionary<string, string?> environment, IReadOnlyList<string> inherit)
    {
        var current = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        environment.Clear();
        foreach (var (name, value) in current)
        {
            if (Allowed(name, Defaults) || Allowed(name, inherit))
            {
                environment[name] = value;
            }
        }
    }

    private static bool Allowed(string name, IReadOnlyList<string> patterns)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], comparison) : string.Equals(name, pattern, comparison))
            {
                return true;
            }
        }

        return false;
    }
}
