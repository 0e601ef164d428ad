namespace Keel.Cli.Workers;

/// <summary>Workflow files named on a command line, with the child workflows their sub-workflow steps run.</summary>
internal static class WorkflowFiles
{
    /// <summary>
    /// Each file with the children found beside it (as <c>keel run</c> finds them), children before their
    /// parents, each file once, and the workers they declare; null, after writing every problem to
    /// <paramref name="error"/>, when a file is invalid or a worker cannot be built.
    /// </summary>
    public static (List<WorkflowFile> Files, List<WorkerDefinition> Workers)? LoadWithChildren(IEnumerable<string> paths, TextWriter error)
    {
        var files = new List<WorkflowFile>();
        var workers = new List<WorkerDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            foreach (var loaded in WorkflowDocument.LoadWithSubWorkflows(path))
            {
                if (!loaded.IsValid)
                {
                    foreach (var problem in loaded.Problems)
                    {
                        error.WriteLine(problem);
                    }

                    return null;
                }

                var file = loaded.File!;
                if (!seen.Add(Path.GetFullPath(file.Path)))
                {
                    continue;
                }

                var (built, problemText) = WorkerFactory.Build(file, CliHost.LlmWorkers);
                if (problemText is not null)
                {
                    error.WriteLine($"error: {file.Path}: {problemText}");
                    return null;
                }

                if (Clash(file, files) is { } clash)
                {
                    error.WriteLine($"error: {clash}");
                    return null;
                }

                files.Add(file);
                workers.AddRange(built);
            }
        }

        if (SubWorkflowTree.Problem(files) is { } treeProblem)
        {
            error.WriteLine("error: " + treeProblem);
            return null;
        }

        return (files, workers);
    }

    /// <summary>
    /// A worker type <paramref name="file"/> declares otherwise than a file loaded before it: one process registers
    /// one worker per type for every workflow it drives, so the two cannot both hold (the last one would run for
    /// both). The same declaration in two files (a shared worker) is fine.
    /// </summary>
    private static string? Clash(WorkflowFile file, List<WorkflowFile> earlier)
    {
        foreach (var (type, declaration) in file.Workers)
        {
            foreach (var other in earlier)
            {
                if (other.Workers.TryGetValue(type, out var theirs) && !Same(declaration, theirs))
                {
                    return $"worker '{type}' is declared by both {other.Path} and {file.Path}, differently; the workflows of one process share one worker per type, so give one of them another name.";
                }
            }
        }

        return null;
    }

    private static bool Same(WorkerDeclaration a, WorkerDeclaration b)
        => a.Kind == b.Kind
            && string.Equals(a.Command, b.Command, StringComparison.Ordinal)
            && a.Args.SequenceEqual(b.Args, StringComparer.Ordinal)
            && string.Equals(a.WorkingDir, b.WorkingDir, StringComparison.Ordinal)
            && a.Env.Count == b.Env.Count && a.Env.All(p => b.Env.TryGetValue(p.Key, out var v) && string.Equals(v, p.Value, StringComparison.Ordinal))
            && a.InheritEnv.SequenceEqual(b.InheritEnv, StringComparer.Ordinal)
            && string.Equals(a.Instructions, b.Instructions, StringComparison.Ordinal)
            && string.Equals(a.Model, b.Model, StringComparison.Ordinal)
            && string.Equals(a.OutputSchema?.GetRawText(), b.OutputSchema?.GetRawText(), StringComparison.Ordinal)
            && (a.Kind != WorkerKind.Command || string.Equals(a.BaseDirectory, b.BaseDirectory, StringComparison.Ordinal));
}
