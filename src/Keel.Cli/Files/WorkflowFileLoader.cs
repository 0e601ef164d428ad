namespace Keel.Cli.Files;

/// <summary>The outcome of loading a workflow file: the file when it is valid, and every problem found.</summary>
internal sealed record LoadResult(WorkflowFile? File, IReadOnlyList<FileProblem> Problems)
{
    public bool IsValid => File is not null && Problems.Count == 0;
}

/// <summary>
/// Reads a workflow file (YAML, or JSON by its <c>.json</c> extension or a leading <c>{</c>), checks its
/// shape, then the core's validation of the definition, and reports every problem with its position.
/// </summary>
internal static class WorkflowFileLoader
{
    public static LoadResult Load(string path)
    {
        var problems = new List<FileProblem>();
        var display = path;
        string text;
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add(new FileProblem(display, 0, 0, ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : "cannot be read: " + ex.Message));
            return new LoadResult(null, problems);
        }

        return Parse(display, fullPath, text, problems);
    }

    public static LoadResult Parse(string display, string fullPath, string text, List<FileProblem>? problems = null)
    {
        problems ??= [];
        var isJson = fullPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        var root = isJson ? JsonDocReader.Read(display, text, problems) : YamlDocReader.Read(display, text, problems);
        if (root is null)
        {
            return new LoadResult(null, problems);
        }

        var parser = new WorkflowFileParser(display, System.IO.Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory(), problems);
        if (parser.Parse(root) is not var (definition, workers))
        {
            return new LoadResult(null, problems);
        }

        foreach (var problem in definition.Validate())
        {
            var node = Locate(parser.Locations, problem);
            problems.Add(new FileProblem(display, node?.Line ?? 0, node?.Column ?? 0, Describe(problem)));
        }

        problems.Sort(static (a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new LoadResult(new WorkflowFile(fullPath, definition, workers), problems);
    }

    private static string FileField(string field) => field switch
    {
        "step_id" => "id",
        "worker_type" => "worker",
        "prompt" => "approval",
        _ => field,
    };

    private static string Describe(ValidationProblem problem)
    {
        var field = FileField(problem.Field);
        return problem.StepId is null
            ? $"field '{field}': {problem.Message}"
            : $"step '{problem.StepId}', field '{field}': {problem.Message}";
    }

    private static DocNode? Locate(Dictionary<string, DocNode> locations, ValidationProblem problem)
    {
        var field = FileField(problem.Field);
        if (problem.StepId is { } stepId)
        {
            return locations.GetValueOrDefault($"step:{stepId}:{field}") ?? locations.GetValueOrDefault("step:" + stepId);
        }

        if (problem.Field == "step_id")
        {
            return locations.GetValueOrDefault("step:");
        }

        return locations.GetValueOrDefault(field) ?? locations.GetValueOrDefault("steps") ?? locations.GetValueOrDefault("workflow");
    }
}
