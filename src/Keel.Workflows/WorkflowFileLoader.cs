namespace Keel;

/// <summary>
/// Reads a workflow file (YAML, or JSON by its <c>.json</c> extension or a leading <c>{</c>), checks its
/// shape, then the core's validation of the definition, and reports every problem with its position.
/// </summary>
internal static class WorkflowFileLoader
{
    public static WorkflowReadResult Load(string path, WorkflowReadOptions? options = null)
    {
        options ??= WorkflowReadOptions.Default;
        var problems = new List<WorkflowFileProblem>();
        var display = path;
        string text;
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
            var info = new FileInfo(fullPath);
            if (info.Exists && info.Length > options.MaxFileBytes)
            {
                problems.Add(new WorkflowFileProblem(display, 0, 0, $"the file is {info.Length} bytes, larger than the limit of {options.MaxFileBytes}"));
                return new WorkflowReadResult(null, problems);
            }

            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add(new WorkflowFileProblem(display, 0, 0, ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : "cannot be read: " + ex.Message));
            return new WorkflowReadResult(null, problems);
        }

        return Parse(display, fullPath, text, options, problems);
    }

    public static WorkflowReadResult Parse(string display, string fullPath, string text, WorkflowReadOptions? options = null, List<WorkflowFileProblem>? problems = null, WorkflowFormat? format = null)
    {
        options ??= WorkflowReadOptions.Default;
        problems ??= [];
        if (System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) > options.MaxFileBytes && System.Text.Encoding.UTF8.GetByteCount(text) > options.MaxFileBytes)
        {
            problems.Add(new WorkflowFileProblem(display, 0, 0, $"the text is larger than the limit of {options.MaxFileBytes} bytes"));
            return new WorkflowReadResult(null, problems);
        }

        var isJson = format is { } given ? given == WorkflowFormat.Json : fullPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        var root = isJson ? JsonDocReader.Read(display, text, options, problems) : YamlDocReader.Read(display, text, options, problems);
        if (root is null)
        {
            return new WorkflowReadResult(null, problems);
        }

        var parser = new WorkflowFileParser(display, System.IO.Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory(), problems);
        if (parser.Parse(root) is not var (definition, workers))
        {
            return new WorkflowReadResult(null, problems);
        }

        foreach (var problem in definition.Validate())
        {
            var node = Locate(parser.Locations, problem);
            problems.Add(new WorkflowFileProblem(display, node?.Line ?? 0, node?.Column ?? 0, Describe(problem)));
        }

        // Stable: problems at one position keep the order they were found in.
        var sorted = problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
        return new WorkflowReadResult(new WorkflowFile(fullPath, definition, workers), sorted);
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
