using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel.AI;

/// <summary>
/// The model calls of one run (request and response, keyed by step, visit, attempt and call index) and,
/// once exported, the path the run took. Saved as indented JSON; holds no key or header.
/// </summary>
public sealed class ChatRecording
{
    private readonly Lock _gate = new();

    /// <summary>The workflow the run executed, when known.</summary>
    public string? WorkflowName { get; set; }

    /// <summary>The run's goal, when known.</summary>
    public string? Goal { get; set; }

    /// <summary>The run's initial data bus, when known.</summary>
    public Dictionary<string, JsonElement>? Data { get; set; }

    /// <summary>The recorded calls, in the order they completed.</summary>
    public List<RecordedCall> Calls { get; set; } = [];

    /// <summary>The history the run produced (the expected path of a regression test), when exported.</summary>
    public List<ExpectedAttempt>? Expected { get; set; }

    /// <summary>Appends <paramref name="call"/> (thread-safe: calls of parallel attempts may complete at once).</summary>
    public void Add(RecordedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            Calls.Add(call);
        }
    }

    /// <summary>The call recorded under <paramref name="key"/>, or null.</summary>
    public RecordedCall? Find(ChatCallKey key)
    {
        lock (_gate)
        {
            return Calls.Find(c => c.Key == key);
        }
    }

    /// <summary>Writes the recording to <paramref name="path"/> as indented JSON, creating its directory; an existing file is replaced.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = File.Create(path);
        await using var disposal = stream.ConfigureAwait(false);
        await JsonSerializer.SerializeAsync(stream, this, FileType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a recording written by <see cref="SaveAsync"/>.</summary>
    /// <exception cref="KeelException">The file is empty or not a Keel recording (the message names the path).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<ChatRecording> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = File.OpenRead(path);
        await using var disposal = stream.ConfigureAwait(false);
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, FileType, cancellationToken).ConfigureAwait(false)
                ?? throw new KeelException($"{path}: the recording is empty.");
        }
        catch (JsonException ex)
        {
            throw new KeelException($"{path}: not a Keel recording: {ex.Message}", ex);
        }
    }

    internal static readonly JsonSerializerOptions FileOptions = CreateFileOptions();

    private static readonly JsonTypeInfo<ChatRecording> FileType = (JsonTypeInfo<ChatRecording>)FileOptions.GetTypeInfo(typeof(ChatRecording));

    private static JsonSerializerOptions CreateFileOptions()
    {
        var options = new JsonSerializerOptions(KeelJson.Options)
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        // Where metadata cannot be built by reflection (a natively compiled keel), the recording's own is generated.
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            options.TypeInfoResolver = JsonTypeInfoResolver.Combine(ChatRecordingJsonContext.Default, KeelJson.Options.TypeInfoResolver);
        }

        options.MakeReadOnly();
        return options;
    }
}

/// <summary>A recording's serialization metadata, generated at compile time (names and enums from the options it is used with).</summary>
[JsonSerializable(typeof(ChatRecording))]
internal sealed partial class ChatRecordingJsonContext : JsonSerializerContext;

/// <summary>One model call: where it was made, what was asked, what came back (or the error).</summary>
public sealed record RecordedCall
{
    /// <summary>Where the call was made.</summary>
    public required ChatCallKey Key { get; init; }

    /// <summary>The messages sent, in order.</summary>
    public required IReadOnlyList<RecordedMessage> Request { get; init; }

    /// <summary>The JSON schema the answer was asked to satisfy, when one was.</summary>
    public JsonElement? ResponseSchema { get; init; }

    /// <summary>The model's answer; null when the call failed.</summary>
    public RecordedResponse? Response { get; init; }

    /// <summary>The (redacted) error message when the call failed.</summary>
    public string? Error { get; init; }
}

/// <summary>One message as sent: its role and text.</summary>
public sealed record RecordedMessage(string Role, string Text);

/// <summary>A model's answer: text, model id, finish reason and usage.</summary>
public sealed record RecordedResponse(string Text, string? ModelId, string? FinishReason, long? InputTokens, long? OutputTokens);

/// <summary>One attempt of the expected path: where, how it ended, where the hub went, what it produced.</summary>
public sealed record ExpectedAttempt
{
    /// <summary>The step attempted.</summary>
    public required string StepId { get; init; }

    /// <summary>The visit of the step (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public required int Attempt { get; init; }

    /// <summary>How the attempt ended.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>Where the hub went next: a step id, <c>complete</c> or <c>failed</c>.</summary>
    public required string NextStep { get; init; }

    /// <summary>The attempt's output, when it succeeded.</summary>
    public JsonElement? Output { get; init; }

    /// <summary>Why the attempt failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>The model usage the attempt reported.</summary>
    public TokenUsage? Usage { get; init; }

    internal static ExpectedAttempt From(HistoryEntry entry) => new()
    {
        StepId = entry.StepId,
        Visit = entry.Visit,
        Attempt = entry.Attempt,
        Outcome = entry.Outcome,
        NextStep = entry.NextStep,
        Output = entry.Output.ValueKind == JsonValueKind.Undefined ? null : entry.Output,
        Error = entry.Error,
        Usage = entry.Usage,
    };

    /// <summary>The attempt as <c>step#visit.attempt outcome -> next</c>.</summary>
    public override string ToString() => $"{StepId}#{Visit}.{Attempt} {Outcome} -> {NextStep}";
}
