using System.Text;
using System.Text.Json;

namespace Keel.Cli.Runs;

/// <summary>Writes how a run ended: a short summary for people, or one JSON document for scripts (<c>--json</c>).</summary>
internal static class ResultWriter
{
    public static void Summary(TextWriter output, WorkflowResult result, string storeSuffix, TimeSpan elapsed)
    {
        var attempts = result.History.Count;
        var tokens = result.Usage?.TotalTokens ?? 0;
        var headline = result.State switch
        {
            WorkflowState.Completed => "Completed",
            WorkflowState.Failed => "Failed: " + result.Error,
            WorkflowState.Cancelled => "Cancelled: " + result.Error,
            WorkflowState.WaitingForApproval => $"Waiting for approval at step '{result.CurrentStep}': {result.Prompt}",
            WorkflowState.Paused => $"Paused at step '{result.CurrentStep}': nobody drives it until it is unpaused",
            _ => Format.State(result.State),
        };
        output.WriteLine($"{headline}");
        output.WriteLine($"  run {result.RunId} · {attempts} {(attempts == 1 ? "entry" : "entries")} · {tokens} tokens · {Format.Duration(elapsed)}");
        if (result.State == WorkflowState.WaitingForApproval)
        {
            output.WriteLine($"  approve: keel approve {result.RunId} {result.CurrentStep}{storeSuffix}");
            output.WriteLine($"  reject:  keel reject {result.RunId} {result.CurrentStep} --comment \"why\"{storeSuffix}");
        }
        else if (result.State == WorkflowState.Paused)
        {
            output.WriteLine($"  unpause: keel unpause {result.RunId}{storeSuffix}, then keel resume {result.RunId}{storeSuffix} (or a keel worker)");
        }
        else
        {
            output.WriteLine($"  history: keel show {result.RunId}{storeSuffix}");
        }
    }

    /// <summary>A decision recorded on a run that another host's worker loop drives on: what was recorded, and how to follow it.</summary>
    public static void LeftToWorkers(TextWriter output, WorkflowResult result, string storePath, string storeSuffix, bool json)
    {
        var decision = result.History.Count > 0 ? result.History[^1] : null;
        var decided = decision?.Outcome == AttemptOutcome.Approved ? "approved" : "rejected";
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("run_id", result.RunId);
                writer.WriteString("workflow", result.WorkflowName);
                writer.WriteString("state", Format.State(result.State));
                writer.WriteNumber("exit_code", ExitCodes.Completed);
                writer.WriteString("decision", decided);
                writer.WriteString("step", decision?.StepId);
                writer.WriteString("current_step", result.CurrentStep);
                writer.WriteString("store", storePath);
                writer.WriteBoolean("left_to_workers", true);
                writer.WriteEndObject();
            }

            output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }

        output.WriteLine($"Recorded: {decided} at step '{decision?.StepId}'. Run {result.RunId} is {Format.State(result.State)} at step '{result.CurrentStep}', left to the keel serve or keel worker that runs workflow '{result.WorkflowName}'.");
        output.WriteLine($"  follow: keel watch {result.RunId}{storeSuffix}");
    }

    public static void Json(TextWriter output, WorkflowResult result, string storePath)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("run_id", result.RunId);
            writer.WriteString("workflow", result.WorkflowName);
            writer.WriteString("state", Format.State(result.State));
            writer.WriteNumber("exit_code", ExitCodes.For(result.State));
            writer.WriteString("current_step", result.CurrentStep);
            WriteNullable(writer, "error", result.Error);
            WriteNullable(writer, "prompt", result.Prompt);
            writer.WriteString("store", storePath);
            writer.WritePropertyName("final_output");
            WriteElement(writer, result.FinalOutput);
            writer.WritePropertyName("usage");
            writer.WriteStartObject();
            writer.WriteNumber("input_tokens", result.Usage?.InputTokens ?? 0);
            writer.WriteNumber("output_tokens", result.Usage?.OutputTokens ?? 0);
            writer.WriteEndObject();
            writer.WritePropertyName("path");
            writer.WriteStartArray();
            foreach (var step in result.Path)
            {
                writer.WriteStringValue(step);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("history");
            WriteHistory(writer, result.History, outputs: false);
            writer.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void WriteHistory(Utf8JsonWriter writer, IReadOnlyList<HistoryEntry> history, bool outputs)
    {
        writer.WriteStartArray();
        foreach (var entry in history)
        {
            writer.WriteStartObject();
            writer.WriteNumber("sequence", entry.Sequence);
            writer.WriteString("step_id", entry.StepId);
            writer.WriteString("worker_type", entry.WorkerType.Value);
            writer.WriteString("worker_name", entry.WorkerName);
            writer.WriteNumber("visit", entry.Visit);
            writer.WriteNumber("attempt", entry.Attempt);
            writer.WriteString("outcome", Format.Outcome(entry.Outcome));
            writer.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 3));
            writer.WriteNumber("tokens", entry.Usage?.TotalTokens ?? 0);
            WriteNullable(writer, "error", entry.Error);
            writer.WriteString("next_step", entry.NextStep);
            writer.WriteString("timestamp", entry.Timestamp);
            if (outputs)
            {
                writer.WritePropertyName("input");
                WriteElement(writer, entry.Input);
                writer.WritePropertyName("output");
                WriteElement(writer, entry.Output);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteElement(Utf8JsonWriter writer, JsonElement? element)
    {
        if (element is { ValueKind: not JsonValueKind.Undefined } value)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
