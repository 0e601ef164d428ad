namespace Keel;

/// <summary>
/// Keel's workflow-file format, read and written: YAML or JSON with snake_case fields, one document a
/// workflow. Reading checks the shape and then the core's validation, and reports every problem with
/// its line and column; writing leaves out defaults and reads back to an equal definition. The keel
/// command, the service and the planner all read and write definitions through this class.
/// </summary>
/// <example>
/// <code>
/// var file = WorkflowDocument.Load("build-website.yaml").EnsureValid();
/// orchestrator.RegisterWorkflow(file.Definition);
/// string yaml = WorkflowDocument.Write(file.Definition, file.Workers.Values);
/// </code>
/// </example>
public static class WorkflowDocument
{
    /// <summary>
    /// Reads a workflow file: YAML, or JSON when the name ends in <c>.json</c> or the text starts with
    /// <c>{</c>. A missing or unreadable file is a problem in the result, not an exception.
    /// </summary>
    public static WorkflowReadResult Load(string path, WorkflowReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return WorkflowFileLoader.Load(path, options);
    }

    /// <summary>
    /// Reads a workflow file and the files of the workflows its sub-workflow steps run, found beside it as
    /// <c>{name}.yaml</c>, <c>{name}.yml</c> or <c>{name}.json</c> (and theirs, each file once), in the
    /// order to register them: every child before the workflows that run it, the file itself last.
    /// A child with no file beside it is left out (it may be registered in code); a child that includes
    /// its parent is reported when the workflows are registered.
    /// </summary>
    public static IReadOnlyList<WorkflowReadResult> LoadWithSubWorkflows(string path, WorkflowReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var results = new List<WorkflowReadResult>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        LoadTree(path, options, results, seen);
        return results;
    }

    private static void LoadTree(string path, WorkflowReadOptions? options, List<WorkflowReadResult> results, HashSet<string> seen)
    {
        if (!seen.Add(Path.GetFullPath(path)))
        {
            return;
        }

        var loaded = WorkflowFileLoader.Load(path, options);
        if (loaded.File is { } file)
        {
            var directory = Path.GetDirectoryName(file.Path) ?? Directory.GetCurrentDirectory();
            foreach (var step in file.Definition.Steps)
            {
                if (step.Kind != StepKind.SubWorkflow || string.IsNullOrWhiteSpace(step.SubWorkflow) || step.SubWorkflow.IndexOfAny(['/', '\\']) >= 0)
                {
                    continue;
                }

                foreach (var extension in (string[])[".yaml", ".yml", ".json"])
                {
                    var child = Path.Combine(directory, step.SubWorkflow + extension);
                    if (File.Exists(child))
                    {
                        LoadTree(child, options, results, seen);
                        break;
                    }
                }
            }
        }

        results.Add(loaded);
    }

    /// <summary>
    /// Reads workflow text. <paramref name="sourceName"/> names it in problems (default <c>workflow</c>);
    /// <paramref name="format"/> is detected when not given (JSON when the text starts with <c>{</c>).
    /// </summary>
    public static WorkflowReadResult Parse(string text, WorkflowFormat? format = null, string? sourceName = null, WorkflowReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = sourceName ?? "workflow";
        var baseDirectory = options?.BaseDirectory ?? Directory.GetCurrentDirectory();
        return WorkflowFileLoader.Parse(name, Path.Combine(baseDirectory, Path.GetFileName(name)), text, options, format: format);
    }

    /// <summary>
    /// The workflow file of <paramref name="definition"/> (with the <paramref name="workers"/> it declares,
    /// if any) in <paramref name="format"/>. Step input transformers are code and have no file form.
    /// </summary>
    public static string Write(WorkflowDefinition definition, IEnumerable<WorkerDeclaration>? workers = null, WorkflowFormat format = WorkflowFormat.Yaml)
        => WorkflowFileWriter.Write(definition, workers, format);

    /// <summary>Writes the workflow file to <paramref name="path"/>, as JSON when it ends in <c>.json</c>, else as YAML.</summary>
    public static void Save(string path, WorkflowDefinition definition, IEnumerable<WorkerDeclaration>? workers = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, Write(definition, workers, FormatOf(path)));
    }

    /// <summary>The format a file name implies: JSON for <c>.json</c>, else YAML.</summary>
    public static WorkflowFormat FormatOf(string path)
        => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? WorkflowFormat.Json : WorkflowFormat.Yaml;
}
