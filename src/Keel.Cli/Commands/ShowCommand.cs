using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel show RUN [--outputs]</c>: a run and its history as a table.</summary>
internal static class ShowCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var outputs = new Option<bool>("--outputs", "-o") { Description = "Also show each attempt's output (or error) in full." };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the run and its history");
        var command = new Command("show", "Show a run: its state and its history (seq, step, worker, attempt, outcome, duration, tokens).") { run, outputs, store, json };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(run)!, parse.GetValue(outputs), parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string runId, bool outputs, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var run = await session.FindRunAsync(runId, io.Error, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return ExitCodes.BadInput;
        }

        var history = await session.Store.GetHistoryAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            WriteJson(io.Out, run, history, outputs);
            return ExitCodes.Completed;
        }

        io.Out.WriteLine($"Run       {run.RunId}");
        var file = RunWorkers.FileOf(run);
        var origin = (file, run.ParentRunId, run.ParentSequence) switch
        {
            (_, { } parent, null) => $"a sub-workflow step of run {parent}" + (file == "-" ? string.Empty : $", whose file is {file}"),
            ("-", _, _) => "started by keel serve or another host",
            _ => file,
        };
        io.Out.WriteLine($"Workflow  {run.WorkflowName} ({origin})");
        io.Out.WriteLine($"Goal      {Format.Short(run.Goal, 200)}");
        io.Out.WriteLine($"State     {Format.State(run.State)} at '{run.CurrentStep}'" + (run.Error is null ? string.Empty : ": " + run.Error));
        if (run.State == WorkflowState.WaitingForApproval)
        {
            var prompt = WorkflowDefinitionJson.Deserialize(run.DefinitionJson).GetStep(run.CurrentStep)?.Prompt;
            io.Out.WriteLine($"Prompt    {prompt}");
            io.Out.WriteLine($"Decide    keel approve {run.RunId} {run.CurrentStep}{StorePaths.Suffix(storeOption)}  |  keel reject {run.RunId} {run.CurrentStep} --comment \"why\"{StorePaths.Suffix(storeOption)}");
        }

        io.Out.WriteLine($"Tokens    {run.InputTokens} in, {run.OutputTokens} out");
        io.Out.WriteLine($"Created   {Format.Time(run.CreatedAt)}, updated {Format.Time(run.UpdatedAt)}");
        io.Out.WriteLine();
        var table = new Table("SEQ", "STEP", "WORKER", "ATTEMPT", "OUTCOME", "DURATION", "TOKENS", "NEXT", "ERROR");
        foreach (var entry in history)
        {
            table.Add(
                entry.Sequence.ToString(CultureInfo.InvariantCulture),
                entry.StepId,
                entry.WorkerType.Value,
                entry.Visit > 1 ? $"{entry.Attempt} (visit {entry.Visit})" : entry.Attempt.ToString(CultureInfo.InvariantCulture),
                Format.Outcome(entry.Outcome),
                Format.Duration(entry.Duration),
                Format.Tokens(entry.Usage),
                entry.NextStep,
                Format.Short(entry.Error, 80));
        }

        table.Write(io.Out);
        if (outputs)
        {
            foreach (var entry in history)
            {
                io.Out.WriteLine();
                io.Out.WriteLine($"[{entry.Sequence}] {entry.StepId} attempt {entry.Attempt}: {Format.Outcome(entry.Outcome)}");
                io.Out.WriteLine(entry.Output.ValueKind == JsonValueKind.Undefined ? "  error: " + entry.Error : Indent(Pretty(entry.Output)));
            }
        }

        return ExitCodes.Completed;
    }

    private static string Pretty(JsonElement element)
        => element.ValueKind == JsonValueKind.String ? element.GetString()! : JsonText.Write(element, KeelJson.IndentedWriterOptions);

    private static string Indent(string text) => "  " + text.ReplaceLineEndings(Environment.NewLine + "  ");

    private static void WriteJson(TextWriter output, RunRecord run, IReadOnlyList<HistoryEntry> history, bool outputs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("run_id", run.RunId);
            writer.WriteString("workflow", run.WorkflowName);
            writer.WriteString("file", RunWorkers.FileOf(run));
            writer.WriteString("goal", run.Goal);
            writer.WriteString("state", Format.State(run.State));
            writer.WriteString("current_step", run.CurrentStep);
            if (run.Error is { } error)
            {
                writer.WriteString("error", error);
            }

            writer.WriteNumber("input_tokens", run.InputTokens);
            writer.WriteNumber("output_tokens", run.OutputTokens);
            writer.WritePropertyName("history");
            ResultWriter.WriteHistory(writer, history, outputs);
            writer.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
