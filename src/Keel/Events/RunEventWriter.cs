using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Keel;

/// <summary>
/// Writes the run events a checkpoint carries by hand, property by property, in the order and form the
/// serializer gives them (<see cref="RunEventJson.Serialize"/> with <see cref="KeelJson.Options"/>):
/// the discriminator, the event's own properties in declaration order, then the base record's, names in
/// snake_case, enums as snake_case strings, nulls written. A run's events are written on every commit, so
/// they skip the serializer's metadata (built by reflection on first use, which a short-lived
/// <c>keel run</c> pays in full) and its per-call state. An event type it does not know is left to the
/// serializer; the tests hold both to the same bytes.
/// </summary>
internal static class RunEventWriter
{
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText RunId = JsonEncodedText.Encode("run_id");
    private static readonly JsonEncodedText Sequence = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText WorkflowName = JsonEncodedText.Encode("workflow_name");
    private static readonly JsonEncodedText Goal = JsonEncodedText.Encode("goal");
    private static readonly JsonEncodedText DefinitionHash = JsonEncodedText.Encode("definition_hash");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Step = JsonEncodedText.Encode("step");
    private static readonly JsonEncodedText ParentRunId = JsonEncodedText.Encode("parent_run_id");
    private static readonly JsonEncodedText ParentSequence = JsonEncodedText.Encode("parent_sequence");
    private static readonly JsonEncodedText StepId = JsonEncodedText.Encode("step_id");
    private static readonly JsonEncodedText WorkerType = JsonEncodedText.Encode("worker_type");
    private static readonly JsonEncodedText WorkerName = JsonEncodedText.Encode("worker_name");
    private static readonly JsonEncodedText Visit = JsonEncodedText.Encode("visit");
    private static readonly JsonEncodedText Attempt = JsonEncodedText.Encode("attempt");
    private static readonly JsonEncodedText IdempotencyKey = JsonEncodedText.Encode("idempotency_key");
    private static readonly JsonEncodedText HistorySequence = JsonEncodedText.Encode("history_sequence");
    private static readonly JsonEncodedText Outcome = JsonEncodedText.Encode("outcome");
    private static readonly JsonEncodedText Error = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText Duration = JsonEncodedText.Encode("duration");
    private static readonly JsonEncodedText Usage = JsonEncodedText.Encode("usage");
    private static readonly JsonEncodedText InputTokens = JsonEncodedText.Encode("input_tokens");
    private static readonly JsonEncodedText OutputTokens = JsonEncodedText.Encode("output_tokens");
    private static readonly JsonEncodedText Model = JsonEncodedText.Encode("model");
    private static readonly JsonEncodedText Cost = JsonEncodedText.Encode("cost");
    private static readonly JsonEncodedText TotalTokens = JsonEncodedText.Encode("total_tokens");
    private static readonly JsonEncodedText NextStep = JsonEncodedText.Encode("next_step");
    private static readonly JsonEncodedText Prompt = JsonEncodedText.Encode("prompt");
    private static readonly JsonEncodedText Approved = JsonEncodedText.Encode("approved");
    private static readonly JsonEncodedText By = JsonEncodedText.Encode("by");
    private static readonly JsonEncodedText Comment = JsonEncodedText.Encode("comment");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText PreviousOwner = JsonEncodedText.Encode("previous_owner");
    private static readonly JsonEncodedText Owner = JsonEncodedText.Encode("owner");

    private static readonly JsonEncodedText[] States = EnumNames<WorkflowState>();
    private static readonly JsonEncodedText[] Outcomes = EnumNames<AttemptOutcome>();

    /// <summary>Writes <paramref name="runEvent"/> whole; false (nothing written) when its type is not one this writer knows.</summary>
    public static bool TryWrite(Utf8JsonWriter writer, RunEvent runEvent)
    {
        switch (runEvent)
        {
            case AttemptStarted e:
                Start(writer, "attempt_started");
                writer.WriteString(StepId, e.StepId);
                writer.WriteString(WorkerType, e.WorkerType.Value);
                writer.WriteString(WorkerName, e.WorkerName);
                writer.WriteNumber(Visit, e.Visit);
                writer.WriteNumber(Attempt, e.Attempt);
                writer.WriteString(IdempotencyKey, e.IdempotencyKey);
                break;
            case AttemptRecorded e:
                Start(writer, "attempt_recorded");
                writer.WriteNumber(HistorySequence, e.HistorySequence);
                writer.WriteString(StepId, e.StepId);
                writer.WriteString(WorkerType, e.WorkerType.Value);
                writer.WriteString(WorkerName, e.WorkerName);
                writer.WriteNumber(Visit, e.Visit);
                writer.WriteNumber(Attempt, e.Attempt);
                writer.WriteString(Outcome, Name(Outcomes, (int)e.Outcome));
                WriteOptional(writer, Error, e.Error);
                WriteDuration(writer, e.Duration);
                WriteUsage(writer, e.Usage);
                writer.WriteString(NextStep, e.NextStep);
                break;
            case RunCreated e:
                Start(writer, "run_created");
                writer.WriteString(WorkflowName, e.WorkflowName);
                writer.WriteString(Goal, e.Goal);
                writer.WriteString(DefinitionHash, e.DefinitionHash);
                writer.WriteString(State, Name(States, (int)e.State));
                writer.WriteString(Step, e.Step);
                WriteOptional(writer, ParentRunId, e.ParentRunId);
                if (e.ParentSequence is { } parentSequence)
                {
                    writer.WriteNumber(ParentSequence, parentSequence);
                }
                else
                {
                    writer.WriteNull(ParentSequence);
                }

                break;
            case RunEnded e:
                Start(writer, "run_ended");
                writer.WriteString(State, Name(States, (int)e.State));
                writer.WriteString(Step, e.Step);
                WriteOptional(writer, Error, e.Error);
                break;
            case RunParked e:
                Start(writer, "run_parked");
                writer.WriteString(StepId, e.StepId);
                WriteOptional(writer, Prompt, e.Prompt);
                break;
            case DecisionRecorded e:
                Start(writer, "decision_recorded");
                writer.WriteString(StepId, e.StepId);
                writer.WriteBoolean(Approved, e.Approved);
                writer.WriteString(By, e.By);
                WriteOptional(writer, Comment, e.Comment);
                writer.WriteNumber(HistorySequence, e.HistorySequence);
                writer.WriteString(NextStep, e.NextStep);
                break;
            case CancelRequested e:
                Start(writer, "cancel_requested");
                writer.WriteString(By, e.By);
                writer.WriteString(Reason, e.Reason);
                break;
            case RunPaused e:
                Start(writer, "run_paused");
                writer.WriteString(By, e.By);
                writer.WriteString(StepId, e.StepId);
                break;
            case RunResumed e:
                Start(writer, "run_resumed");
                writer.WriteString(By, e.By);
                break;
            case LeaseLost e:
                Start(writer, "lease_lost");
                writer.WriteString(PreviousOwner, e.PreviousOwner);
                writer.WriteString(Owner, e.Owner);
                break;
            default:
                return false;
        }

        // The base record's properties come after the event's own, as the serializer orders them.
        writer.WriteString(RunId, runEvent.RunId);
        writer.WriteNumber(Sequence, runEvent.Sequence);
        writer.WriteString(Timestamp, runEvent.Timestamp);
        writer.WriteEndObject();
        return true;
    }

    private static void Start(Utf8JsonWriter writer, string type)
    {
        writer.WriteStartObject();
        writer.WriteString(TypeName, type);
    }

    private static void WriteOptional(Utf8JsonWriter writer, JsonEncodedText name, string? value)
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

    /// <summary>A duration as the serializer writes a <see cref="TimeSpan"/>: the constant ("c") format.</summary>
    private static void WriteDuration(Utf8JsonWriter writer, TimeSpan duration)
    {
        Span<byte> text = stackalloc byte[32];
        if (!Utf8Formatter.TryFormat(duration, text, out var length, new StandardFormat('c')))
        {
            throw new InvalidOperationException("A duration did not fit its buffer.");
        }

        writer.WriteString(Duration, text[..length]);
    }

    private static void WriteUsage(Utf8JsonWriter writer, TokenUsage? usage)
    {
        if (usage is null)
        {
            writer.WriteNull(Usage);
            return;
        }

        writer.WriteStartObject(Usage);
        writer.WriteNumber(InputTokens, usage.InputTokens);
        writer.WriteNumber(OutputTokens, usage.OutputTokens);
        WriteOptional(writer, Model, usage.Model);
        if (usage.Cost is { } cost)
        {
            writer.WriteNumber(Cost, cost);
        }
        else
        {
            writer.WriteNull(Cost);
        }

        writer.WriteNumber(TotalTokens, usage.TotalTokens);
        writer.WriteEndObject();
    }

    private static JsonEncodedText Name(JsonEncodedText[] names, int value)
        => (uint)value < (uint)names.Length ? names[value] : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a value the event's enum defines.");

    /// <summary>The snake_case names the dialect's enum converter writes, indexed by value (the enums are numbered from 0 without gaps).</summary>
    private static JsonEncodedText[] EnumNames<TEnum>()
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var names = new JsonEncodedText[values.Length];
        foreach (var value in values)
        {
            names[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = JsonEncodedText.Encode(KeelJson.NamingPolicy.ConvertName(value.ToString()));
        }

        return names;
    }
}
