namespace Keel.Cli.Workers;

/// <summary>
/// What is wrong with the workflow files a command loaded together, in the terms of the files: a sub-workflow
/// step whose workflow no file holds (and which file was looked for), a file that holds another workflow than
/// its name says, and sub-workflows that run each other in a cycle. Registering such files fails too, but
/// names only the workflow that is "not registered".
/// </summary>
internal static class SubWorkflowTree
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static string? Problem(IReadOnlyList<WorkflowFile> files)
    {
        var byName = new Dictionary<string, WorkflowFile>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            byName.TryAdd(file.Definition.Name, file);
        }

        foreach (var file in files)
        {
            foreach (var step in file.Definition.Steps)
            {
                if (step.Kind != StepKind.SubWorkflow || step.SubWorkflow is not { Length: > 0 } child || byName.ContainsKey(child))
                {
                    continue;
                }

                var folder = Path.GetDirectoryName(file.Path) ?? ".";
                var found = Extensions.Select(e => Path.Combine(folder, child + e)).FirstOrDefault(File.Exists);
                var other = found is null ? null : files.FirstOrDefault(f => string.Equals(Path.GetFullPath(f.Path), Path.GetFullPath(found), StringComparison.Ordinal));
                return other is not null
                    ? $"step '{step.StepId}' of {file.Path} runs workflow '{child}', but {found} holds workflow '{other.Definition.Name}' (a sub-workflow's file is found by the workflow's name: name the file after it, or the workflow after the file)."
                    : $"step '{step.StepId}' of {file.Path} runs workflow '{child}', and no file holds it: a sub-workflow is read from {child}.yaml, {child}.yml or {child}.json beside the file that runs it ({folder}).";
            }
        }

        return Cycle(files, byName) is { } cycle
            ? $"sub-workflows run each other in a cycle, so no run of them could end: {string.Join(" -> ", cycle.Select(f => f.Definition.Name))} ({string.Join(", ", cycle.Skip(1).Select(f => f.Path))})."
            : null;
    }

    /// <summary>A path of files from a workflow back to itself through sub-workflow steps, or null.</summary>
    private static List<WorkflowFile>? Cycle(IReadOnlyList<WorkflowFile> files, Dictionary<string, WorkflowFile> byName)
    {
        var done = new HashSet<WorkflowFile>();
        var path = new List<WorkflowFile>();
        foreach (var file in files)
        {
            if (Visit(file) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<WorkflowFile>? Visit(WorkflowFile file)
        {
            if (path.IndexOf(file) is var at and >= 0)
            {
                return [.. path.Skip(at), file];
            }

            if (!done.Add(file))
            {
                return null;
            }

            path.Add(file);
            foreach (var step in file.Definition.Steps)
            {
                if (step.Kind == StepKind.SubWorkflow && step.SubWorkflow is { } child && byName.TryGetValue(child, out var next) && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }
    }
}
