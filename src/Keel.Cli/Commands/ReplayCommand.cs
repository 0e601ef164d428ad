using System.CommandLine;
using System.Text;
using System.Text.Json;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary>
/// <c>keel replay --definition FILE [--workflow NAME]</c>: replays every stored run of a workflow through
/// an edited definition with no worker call (routing is a pure function of the recorded outcomes) and says,
/// per run, whether it would take the same path or where it would part. Exit 0 when no run would change
/// path, 1 when some would, 2 on bad input.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(CommandIo io)
    {
        var definition = new Option<string>("--definition", "-f")
        {
            Description = "The edited workflow file, YAML or JSON. Its workers are not called (and need no model).",
            HelpName = "FILE",
            Required = true,
        };
        var workflow = new Option<string?>("--workflow", "-w") { Description = "Replay the stored runs of this workflow (by name). Default: the file's workflow name.", HelpName = "NAME" };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the report");
        var command = new Command("replay", "Replay every stored run of a workflow through an edited definition, calling no worker, and report which runs would take another path and at which step. Exit 0 when none would, 1 when some would.")
        {
            definition, workflow, store, json,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(definition)!, parse.GetValue(workflow), parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string path, string? workflowOption, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var loaded = WorkflowDocument.Load(path);
        if (!loaded.IsValid)
        {
            foreach (var problem in loaded.Problems)
            {
                io.Error.WriteLine(problem);
            }

            return ExitCodes.BadInput;
        }

        var edited = loaded.File!.Definition;
        var name = string.IsNullOrWhiteSpace(workflowOption) ? edited.Name : workflowOption;
        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var stored = await session.Store.ListRunsAsync(new RunQuery { WorkflowName = name, Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false);
        if (stored.Count == 0)
        {
            io.Error.WriteLine($"error: there is no stored run of workflow '{name}' in {session.StorePath} (list runs with 'keel runs'; name another workflow with --workflow).");
            return ExitCodes.BadInput;
        }

        var runs = new List<(string RunId, IReadOnlyList<HistoryEntry> History)>(stored.Count);
        foreach (var run in stored.OrderBy(r => r.CreatedAt))
        {
            runs.Add((run.RunId, await session.Store.GetHistoryAsync(run.RunId, cancellationToken).ConfigureAwait(false)));
        }

        var report = RoutingReplay.Compare(edited, runs);
        var changed = report.Runs.Count(r => r.Verdict != RoutingVerdict.SamePath);
        var exit = changed == 0 ? ExitCodes.Completed : ExitCodes.RunFailed;
        if (json)
        {
            WriteJson(io.Out, report, name, loaded.File.Path, session.StorePath, changed, exit);
        }
        else
        {
            WriteText(io.Out, report, name, loaded.File.Path, session.StorePath, changed);
        }

        return exit;
    }

    private static void WriteText(TextWriter output, RoutingReplayReport report, string name, string file, string store, int changed)
    {
        output.WriteLine($"Replaying {report.Runs.Count} stored run{Plural(report.Runs.Count)} of '{name}' ({store}) through {file}; no worker is called.");
        output.WriteLine();
        foreach (var run in report.Runs)
        {
            switch (run.Verdict)
            {
                case RoutingVerdict.SamePath:
                    output.WriteLine($"  {run.RunId}  same path ({run.RecordedPath.Count} entries)");
                    break;
                default:
                    output.WriteLine($"  {run.RunId}  diverges at step '{run.DivergedAtStep}' (entry {run.DivergedAtSequence}): {run.Reason}");
                    if (run.MissingOutcome is { } missing)
                    {
                        output.WriteLine($"      then needs an outcome the run never recorded: {missing}");
                    }

                    output.WriteLine($"      was: {string.Join(", ", run.RecordedPath)}");
                    output.WriteLine($"      now: {string.Join(", ", run.ReplayedPath)}");
                    break;
            }
        }

        output.WriteLine();
        output.WriteLine(changed == 0
            ? $"No run would change path ({report.Runs.Count} replayed)."
            : $"{changed} of {report.Runs.Count} run{Plural(report.Runs.Count)} would take another path.");
    }

    private static void WriteJson(TextWriter output, RoutingReplayReport report, string name, string file, string store, int changed, int exit)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("workflow", name);
            writer.WriteString("definition", file);
            writer.WriteString("store", store);
            writer.WriteNumber("replayed", report.Runs.Count);
            writer.WriteNumber("changed", changed);
            writer.WriteNumber("exit_code", exit);
            writer.WriteStartArray("runs");
            foreach (var run in report.Runs)
            {
                writer.WriteStartObject();
                writer.WriteString("run_id", run.RunId);
                writer.WriteString("verdict", Verdict(run.Verdict));
                if (run.Verdict != RoutingVerdict.SamePath)
                {
                    writer.WriteString("diverged_at_step", run.DivergedAtStep);
                    writer.WriteNumber("diverged_at_sequence", run.DivergedAtSequence ?? 0);
                    writer.WriteString("reason", run.Reason);
                    if (run.MissingOutcome is { } missing)
                    {
                        writer.WriteString("missing_outcome", missing);
                    }
                }

                WriteStrings(writer, "recorded_path", run.RecordedPath);
                WriteStrings(writer, "replayed_path", run.ReplayedPath);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static string Verdict(RoutingVerdict verdict) => verdict switch
    {
        RoutingVerdict.SamePath => "same_path",
        RoutingVerdict.Diverges => "diverges",
        _ => "needs_unrecorded_outcome",
    };

    private static string Plural(int count) => count == 1 ? string.Empty : "s";
}
