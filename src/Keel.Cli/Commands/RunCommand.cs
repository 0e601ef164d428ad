using System.CommandLine;
using System.Text.Json;
using Keel.Cli.Planning;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Commands;

/// <summary><c>keel run FILE --goal TEXT</c>: runs a workflow file on the SQLite store with live progress.</summary>
internal static class RunCommand
{
    public static Command Create(CommandIo io)
    {
        var file = CommonOptions.File();
        file.Arity = ArgumentArity.ZeroOrOne;
        file.Description += " Without one, --goal is planned (see 'keel plan') and the plan runs once confirmed.";
        var goal = new Option<string?>("--goal", "-g") { Description = "What the run is for. Default: the file's goal.", HelpName = "TEXT" };
        var planner = PlanCommand.Planner();
        var yes = new Option<bool>("--yes", "-y") { Description = "Run a planned goal without asking for confirmation." };
        var detach = new Option<bool>("--detach")
        {
            Description = "Store the run pending and return at once, without driving it: a 'keel worker FILE' on the same store (or 'keel serve') drives it; follow it with 'keel watch RUN'.",
        };
        var data = new Option<string[]>("--data", "-d")
        {
            Description = "An initial data bus value, key=value (repeatable). A value that parses as JSON (42, true, [1,2], {\"a\":1}) is stored as that JSON, else as a string.",
            HelpName = "KEY=VALUE",
        };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("run", "Run a workflow file, showing each step, worker, attempt, elapsed time and tokens. Ctrl+C stops cleanly and leaves the run resumable.")
        {
            file, goal, data, store, json, planner, yes, detach,
        };
        command.SetAction((parse, cancellationToken) => parse.GetValue(file) is { } path
            ? ExecuteAsync(io, path, parse.GetValue(goal), parse.GetValue(data) ?? [], parse.GetValue(store), parse.GetValue(json), parse.GetValue(detach), cancellationToken)
            : parse.GetValue(detach)
            ? Refuse(io, "error: --detach needs a workflow FILE: a 'keel worker FILE' drives the run with that file's workers (plan a goal with 'keel plan', then run the plan's file).")
            : PlanRun.ExecuteAsync(io, parse.GetValue(goal), parse.GetValue(planner), parse.GetValue(yes), parse.GetValue(data) ?? [], parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static Task<int> Refuse(CommandIo io, string message)
    {
        io.Error.WriteLine(message);
        return Task.FromResult(ExitCodes.BadInput);
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string path, string? goal, string[] data, string? storeOption, bool json, bool detach, CancellationToken cancellationToken)
    {
        // The workflows its sub-workflow steps run, from files beside it, come first (children before parents).
        var tree = WorkflowDocument.LoadWithSubWorkflows(path);
        if (tree.Any(t => !t.IsValid))
        {
            foreach (var problem in tree.SelectMany(t => t.Problems))
            {
                io.Error.WriteLine(problem);
            }

            return ExitCodes.BadInput;
        }

        if (SubWorkflowTree.Problem([.. tree.Select(t => t.File!)]) is { } treeProblem)
        {
            io.Error.WriteLine("error: " + treeProblem);
            return ExitCodes.BadInput;
        }

        var file = tree[^1].File!;
        var values = ParseData(data, io.Error);
        if (values is null)
        {
            return ExitCodes.BadInput;
        }

        goal = string.IsNullOrWhiteSpace(goal) ? file.Definition.Goal : goal;
        if (string.IsNullOrWhiteSpace(goal))
        {
            io.Error.WriteLine($"error: no goal: pass --goal TEXT (the file {path} has no 'goal').");
            return ExitCodes.BadInput;
        }

        var workers = new List<WorkerDefinition>();
        foreach (var each in tree)
        {
            var (built, error) = WorkerFactory.Build(each.File!, CliHost.LlmWorkers);
            if (error is not null)
            {
                io.Error.WriteLine("error: " + error);
                return ExitCodes.BadInput;
            }

            workers.AddRange(built);
        }

        values[RunTags.File] = file.Path;
        var driver = new RunDriver(io, storeOption, json);
        using var session = CliSession.Open(storeOption, driver.Observer, mustExist: false, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        session.Register(workers);
        try
        {
            foreach (var each in tree)
            {
                session.Orchestrator.RegisterWorkflow(each.File!.Definition);
            }
        }
        catch (WorkflowValidationException ex)
        {
            io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }

        var runId = Guid.NewGuid().ToString("N");
        if (tree.Any(t => t.File!.Workers.Values.Any(w => w.Kind == WorkerKind.Llm)))
        {
            io.Error.WriteLine(ModelSetup.Notice("the file's llm workers cannot run without one"));
        }
        if (detach)
        {
            return await StartAsync(io, session, file.Definition.Name, goal, new ExecuteOptions { RunId = runId, Data = values }, path, storeOption, json, cancellationToken).ConfigureAwait(false);
        }

        if (!json)
        {
            io.Out.WriteLine($"Running '{file.Definition.Name}' (run {runId}) on {session.StorePath}");
        }

        return await driver.DriveAsync(
            session,
            runId,
            token => session.Orchestrator.ExecuteWorkflowAsync(file.Definition.Name, goal, new ExecuteOptions { RunId = runId, Data = values }, token),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>--detach</c>: the run is stored pending for a worker loop on the store, and the command returns.</summary>
    private static async Task<int> StartAsync(CommandIo io, CliSession session, string workflow, string goal, ExecuteOptions options, string path, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var handle = await session.Orchestrator.StartAsync(workflow, goal, options, cancellationToken).ConfigureAwait(false);
        var suffix = StorePaths.Suffix(storeOption);
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("run_id", handle.RunId);
                writer.WriteString("workflow", workflow);
                writer.WriteString("state", Format.State(WorkflowState.Pending));
                writer.WriteString("store", session.StorePath);
                writer.WriteEndObject();
            }

            io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return ExitCodes.Completed;
        }

        io.Out.WriteLine($"Started '{workflow}' (run {handle.RunId}) on {session.StorePath}: pending, for a worker on this store to drive");
        io.Out.WriteLine($"  drive it: keel worker {(path.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/') ? path : PlanCommand.ShellQuote(path))}{suffix}   (unless one runs already)");
        io.Out.WriteLine($"  follow:   keel watch {handle.RunId}{suffix}");
        return ExitCodes.Completed;
    }

    internal static Dictionary<string, object?>? ParseData(string[] pairs, TextWriter error)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var index = pair.IndexOf('=', StringComparison.Ordinal);
            if (index <= 0)
            {
                error.WriteLine($"error: --data '{pair}' is not key=value.");
                return null;
            }

            var key = pair[..index].Trim();
            if (key.StartsWith(RunTags.Prefix, StringComparison.Ordinal))
            {
                error.WriteLine($"error: --data key '{key}' is reserved (keys starting with '{RunTags.Prefix}' belong to the keel command).");
                return null;
            }

            var text = pair[(index + 1)..];
            values[key] = TryJson(text, out var element) ? element : text;
        }

        return values;
    }

    private static bool TryJson(string text, out JsonElement element)
    {
        try
        {
            element = KeelJson.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            element = default;
            return false;
        }
    }
}
