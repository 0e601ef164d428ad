using System.CommandLine;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Commands;

/// <summary><c>keel validate FILE</c>: every problem of a workflow file at once; exit 0 when valid, 2 when not.</summary>
internal static class ValidateCommand
{
    public static Command Create(CommandIo io)
    {
        var file = CommonOptions.File();
        var command = new Command("validate", "Check a workflow file and list every problem with its line and column. Exit 0 when valid, 2 when not.") { file };
        command.SetAction(parse => Execute(io, parse.GetValue(file)!));
        return command;
    }

    public static int Execute(CommandIo io, string path)
    {
        var loaded = WorkflowDocument.Load(path);
        var problems = loaded.IsValid ? LlmDeclarationCheck.Problems(loaded.File!, path) : loaded.Problems;
        if (problems.Count == 0 && SubWorkflowProblems(path) is { } sub)
        {
            io.Error.WriteLine($"{path}: {sub}");
            io.Error.WriteLine($"{path}: 1 problem.");
            return ExitCodes.BadInput;
        }

        if (problems.Count == 0)
        {
            var file = loaded.File!;
            var workers = string.Join(", ", file.Workers.Values.OrderBy(w => w.WorkerType, StringComparer.Ordinal).Select(w => $"{w.WorkerType} ({w.Kind.ToString().ToLowerInvariant()})"));
            io.Out.WriteLine($"{path}: valid. Workflow '{file.Definition.Name}', {file.Definition.Steps.Count} steps, workers: {(workers.Length == 0 ? "none" : workers)}.");
            return ExitCodes.Completed;
        }

        foreach (var problem in problems)
        {
            io.Error.WriteLine(problem);
        }

        io.Error.WriteLine($"{path}: {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}.");
        return ExitCodes.BadInput;
    }

    /// <summary>
    /// The file with the workflows its sub-workflow steps run, loaded and registered together as keel run does:
    /// a child that is missing, broken, recursive or parks is a problem here too, not only when the run starts.
    /// </summary>
    private static string? SubWorkflowProblems(string path)
    {
        // Definitions only: workers are not built (an llm worker needs no model to be validated).
        var files = new List<WorkflowFile>();
        foreach (var loaded in WorkflowDocument.LoadWithSubWorkflows(path))
        {
            if (!loaded.IsValid)
            {
                return "a sub-workflow it runs cannot be used: " + string.Join("; ", loaded.Problems);
            }

            files.Add(loaded.File!);
        }

        if (SubWorkflowTree.Problem(files) is { } problem)
        {
            return problem;
        }

        var orchestrator = new Orchestrator();
        try
        {
            foreach (var file in files)
            {
                orchestrator.RegisterWorkflow(file.Definition);
            }
        }
        catch (KeelException ex)
        {
            return ex.Message.ReplaceLineEndings(" ");
        }

        return null;
    }
}
