namespace Keel.Workflows.Tests;

/// <summary>Paths in the repository the tests read (examples, schema, docs).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "examples", "workflows");

    public static string Schema => Path.Combine(Root, "schemas", "keel-workflow.schema.json");

    public static IEnumerable<string> ExampleFiles()
        => Directory.EnumerateFiles(Examples).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Keel.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Keel.sln not found above " + AppContext.BaseDirectory);
    }
}
