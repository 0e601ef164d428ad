using System.CommandLine;
using System.Text;
using System.Text.Json;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel runs [--state S] [--workflow W] [--blocked]</c>: the stored runs, newest first (or those blocked by a changed definition).</summary>
internal static class RunsCommand
{
    public static Command Create(CommandIo io)
    {
        var state = new Option<string?>("--state", "-s")
        {
            Description = "Only runs in this state: pending, running, paused, waiting_for_approval, completed, failed, cancelled.",
            HelpName = "STATE",
        };
        var workflow = new Option<string?>("--workflow", "-w") { Description = "Only runs of this workflow (by name).", HelpName = "NAME" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many runs.", DefaultValueFactory = _ => 50 };
        var blocked = new Option<bool>("--blocked") { Description = "Only runs blocked by a changed definition (their workflow file now holds another), with the commands to resume or cancel each." };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the runs");
        var command = new Command("runs", "List stored runs, the newest created first (UPDATED is each run's last change).") { state, workflow, limit, blocked, store, json };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            io, parse.GetValue(state), parse.GetValue(workflow), parse.GetValue(limit), parse.GetValue(blocked), parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string? stateText, string? workflow, int limit, bool blocked, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        if (limit < 1)
        {
            io.Error.WriteLine($"error: --limit {limit} must be at least 1.");
            return ExitCodes.BadInput;
        }

        if (blocked && stateText is not null)
        {
            io.Error.WriteLine("error: --blocked lists pending and running runs; it does not take --state.");
            return ExitCodes.BadInput;
        }

        WorkflowState? state = null;
        if (stateText is not null)
        {
            if (!Format.TryParseState(stateText, out var parsed))
            {
                io.Error.WriteLine($"error: unknown state '{stateText}' (expected pending, running, paused, waiting_for_approval, completed, failed or cancelled).");
                return ExitCodes.BadInput;
            }

            state = parsed;
        }

        var path = StorePaths.Resolve(storeOption);
        if (!PostgresAddress.IsPostgres(path) && !File.Exists(path))
        {
            io.Out.WriteLine(json ? "[]" : $"No runs: there is no run store at {path} yet ('keel run' creates it; --store names another).");
            return ExitCodes.Completed;
        }

        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        if (blocked)
        {
            return await BlockedRuns.ExecuteAsync(io, session, workflow, storeOption, json, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<RunRecord> runs;
        RunStoreDamagedException? damage = null;
        try
        {
            runs = await session.Store.ListRunsAsync(new RunQuery { State = state, WorkflowName = workflow, Limit = limit }, cancellationToken).ConfigureAwait(false);
        }
        catch (RunStoreDamagedException ex)
        {
            (runs, damage) = (ex.ReadableRuns, ex);
        }

        var problems = damage is null ? await StoreCheck.ProblemsAsync(session, cancellationToken).ConfigureAwait(false) : [];
        if (json)
        {
            WriteJson(io.Out, runs);
        }
        else if (runs.Count == 0 && damage is null && problems.Count == 0)
        {
            io.Out.WriteLine(state is null && workflow is null ? $"No runs in {session.StorePath}." : "No runs match.");
        }
        else if (runs.Count > 0)
        {
            WriteTable(io.Out, runs);
        }

        if (damage is not null)
        {
            io.Error.WriteLine("error: " + damage.Message);
            io.Error.WriteLine(runs.Count == 0 ? "No run could be read." : $"Listed above: the {runs.Count} run(s) that could be read.");
            return ExitCodes.StoreFailure;
        }

        if (problems.Count > 0)
        {
            StoreCheck.Report(io.Error, session.StorePath, problems, runs.Count);
            return ExitCodes.StoreFailure;
        }

        return ExitCodes.Completed;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<RunRecord> runs)
    {
        var table = new Table("RUN", "WORKFLOW", "STATE", "STEP", "ENTRIES", "TOKENS", "SIZE", "UPDATED");
        foreach (var run in runs)
        {
            table.Add(run.RunId, run.WorkflowName, Format.State(run.State), run.CurrentStep, run.HistoryCount.ToString(System.Globalization.CultureInfo.InvariantCulture), (run.InputTokens + run.OutputTokens).ToString(System.Globalization.CultureInfo.InvariantCulture), PruneCommand.Bytes(run.SizeBytes), Format.Time(run.UpdatedAt));
        }

        table.Write(output);
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<RunRecord> runs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            writer.WriteStartArray();
            foreach (var run in runs)
            {
                writer.WriteStartObject();
                writer.WriteString("run_id", run.RunId);
                writer.WriteString("workflow", run.WorkflowName);
                writer.WriteString("state", Format.State(run.State));
                writer.WriteString("current_step", run.CurrentStep);
                writer.WriteString("goal", run.Goal);
                writer.WriteNumber("entries", run.HistoryCount);
                writer.WriteNumber("input_tokens", run.InputTokens);
                writer.WriteNumber("output_tokens", run.OutputTokens);
                writer.WriteNumber("size_bytes", run.SizeBytes);
                writer.WriteString("created_at", run.CreatedAt);
                writer.WriteString("updated_at", run.UpdatedAt);
                writer.WriteString("file", RunWorkers.FileOf(run));
                if (run.Error is { } error)
                {
                    writer.WriteString("error", error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
