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

                files.Add(file);
                workers.AddRange(built);
            }
        }

        return (files, workers);
    }
}
