using System.CommandLine;
using System.Text.Json;
using Keel.Cli.Files;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Commands;

/// <summary><c>keel run FILE --goal TEXT</c>: runs a workflow file on the SQLite store with live progress.</summary>
internal static class RunCommand
{
    public static Command Create(CommandIo io)
    {
        var file = CommonOptions.File();
        var goal = new Option<string?>("--goal", "-g") { Description = "What the run is for. Default: the file's goal.", HelpName = "TEXT" };
        var data = new Option<string[]>("--data", "-d")
        {
            Description = "An initial data bus value, key=value (repeatable). A value that parses as JSON (42, true, [1,2], {\"a\":1}) is stored as that JSON, else as a string.",
            HelpName = "KEY=VALUE",
        };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("run", "Run a workflow file, showing each step, worker, attempt, elapsed time and tokens. Ctrl+C stops cleanly and leaves the run resumable.")
        {
            file, goal, data, store, json,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            io, parse.GetValue(file)!, parse.GetValue(goal), parse.GetValue(data) ?? [], parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string path, string? goal, string[] data, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var loaded = WorkflowFileLoader.Load(path);
        if (!loaded.IsValid)
        {
            foreach (var problem in loaded.Problems)
            {
                io.Error.WriteLine(problem);
            }

            return ExitCodes.BadInput;
        }

        var file = loaded.File!;
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

        var (workers, error) = WorkerFactory.Build(file, CliHost.LlmWorkers);
        if (error is not null)
        {
            io.Error.WriteLine("error: " + error);
            return ExitCodes.BadInput;
        }

        values[RunTags.File] = file.Path;
        var driver = new RunDriver(io, storeOption, json);
        using var session = CliSession.Open(storeOption, driver.Observer, mustExist: false, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        session.Register(workers, driver.Observer);
        session.Orchestrator.RegisterWorkflow(file.Definition);
        var runId = Guid.NewGuid().ToString("N");
        if (file.Workers.Values.Any(w => w.Kind == WorkerKind.Llm))
        {
            io.Error.WriteLine(ModelSetup.Notice("the file's llm workers cannot run without one"));
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
