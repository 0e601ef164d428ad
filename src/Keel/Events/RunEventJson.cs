using System.Buffers;
using System.Text.Json;

namespace Keel;

/// <summary>How stores and streams write run events: JSON with a snake-case <c>type</c> discriminator.</summary>
public static class RunEventJson
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(RunCreated)] = "run_created",
        [typeof(AttemptStarted)] = "attempt_started",
        [typeof(AttemptRecorded)] = "attempt_recorded",
        [typeof(RunParked)] = "run_parked",
        [typeof(DecisionRecorded)] = "decision_recorded",
        [typeof(CancelRequested)] = "cancel_requested",
        [typeof(RunPaused)] = "run_paused",
        [typeof(RunResumed)] = "run_resumed",
        [typeof(RunEnded)] = "run_ended",
        [typeof(LeaseLost)] = "lease_lost",
        [typeof(BranchAttemptFinished)] = "branch_attempt_finished",
    };

    /// <summary>The recorded type name of an event (<c>attempt_recorded</c>, ...).</summary>
    public static string TypeName(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        return Names.TryGetValue(runEvent.GetType(), out var name) ? name : throw new ArgumentException($"Unknown run event type {runEvent.GetType().Name}.", nameof(runEvent));
    }

    /// <summary>The event as JSON text (its type discriminator first), as the serializer writes it with <see cref="KeelJson.Options"/>.</summary>
    public static string Serialize(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var buffer = t_text ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        Write(buffer, runEvent);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Appends the event's UTF-8 JSON, byte for byte what <see cref="Serialize"/> returns, to
    /// <paramref name="output"/> (a store's reused buffer, say), without building a string.
    /// </summary>
    public static void Write(IBufferWriter<byte> output, RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(runEvent);
        var prefix = Prefixes.TryGetValue(runEvent.GetType(), out var known) ? known : throw new ArgumentException($"Unknown run event type {runEvent.GetType().Name}.", nameof(runEvent));
        var direct = t_direct;
        if (direct is null)
        {
            t_direct = direct = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = KeelJson.Options.Encoder, Indented = KeelJson.Options.WriteIndented });
        }
        else
        {
            direct.Reset(output);
        }

        if (RunEventWriter.TryWrite(direct, runEvent))
        {
            direct.Flush();
            direct.Reset();
            return;
        }

        direct.Reset();

        // An event the hand-written writer does not know: the event's own type is written (no polymorphic dispatch, whose state the serializer allocates on
        // every call), then its discriminator is put first, where the polymorphic writer puts it.
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(512);
        scratch.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            t_writer = writer = new Utf8JsonWriter(scratch, new JsonWriterOptions { Encoder = KeelJson.Options.Encoder, Indented = KeelJson.Options.WriteIndented });
        }
        else
        {
            writer.Reset(scratch);
        }

        JsonSerializer.Serialize(writer, runEvent, KeelJson.Options.GetTypeInfo(runEvent.GetType()));
        writer.Flush();
        var body = scratch.WrittenSpan;
        output.Write(prefix);
        if (body.Length > 2)
        {
            output.Write(","u8);
            output.Write(body[1..]);
        }
        else
        {
            output.Write("}"u8);
        }
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_direct;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_text;

    // {"type":"run_created" and so on: the discriminator as the polymorphic serializer writes it.
    private static readonly Dictionary<Type, byte[]> Prefixes = BuildPrefixes();

    private static Dictionary<Type, byte[]> BuildPrefixes()
    {
        var prefixes = new Dictionary<Type, byte[]>();
        foreach (var pair in Names)
        {
            prefixes.Add(pair.Key, System.Text.Encoding.UTF8.GetBytes("{\"type\":\"" + pair.Value + "\""));
        }

        return prefixes;
    }

    /// <summary>Reads an event written by <see cref="Serialize"/>; throws <see cref="KeelException"/> naming the run and sequence when the text is not one.</summary>
    public static RunEvent Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, KeelJson.TypeInfo<RunEvent>()) ?? throw new JsonException("null event");
        }
        catch (JsonException ex)
        {
            throw new KeelException($"A stored run event cannot be read ({ex.Message}): {(json.Length > 120 ? json[..120] + "..." : json)}", ex);
        }
    }
}
