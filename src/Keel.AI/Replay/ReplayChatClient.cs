using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>
/// Serves a <see cref="ChatRecording"/> with no network: each call is looked up by its key, its request
/// compared with the recorded one, and the recorded answer (or error) returned. A call the recording
/// does not hold, or a request that differs, throws <see cref="ReplayMismatchException"/> (a failed
/// attempt in the hub), and is remembered in <see cref="Mismatches"/>.
/// </summary>
public sealed class ReplayChatClient(ChatRecording recording) : IChatClient
{
    private readonly List<ReplayMismatchException> _mismatches = [];
    private int _unscoped;

    /// <summary>The recording served.</summary>
    public ChatRecording Recording { get; } = recording ?? throw new ArgumentNullException(nameof(recording));

    /// <summary>Every mismatch met so far, oldest first.</summary>
    public IReadOnlyList<ReplayMismatchException> Mismatches
    {
        get
        {
            lock (_mismatches)
            {
                return _mismatches.ToArray();
            }
        }
    }

    /// <summary>The recorded answer to this call.</summary>
    /// <exception cref="ReplayMismatchException">The recording holds no call at this key, or its request differs.</exception>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(Serve(messages, options));

    /// <summary>The recorded answer to this call, as one update.</summary>
    /// <exception cref="ReplayMismatchException">The recording holds no call at this key, or its request differs.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Serve(messages, options).ToChatResponseUpdates().ToAsyncEnumerable();

    /// <summary>This client when asked for its own type, otherwise null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <summary>Does nothing: the client holds no resource.</summary>
    public void Dispose()
    {
    }

    private ChatResponse Serve(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var key = ChatCallScope.Current?.NextKey() ?? new ChatCallKey("unscoped", 0, 0, Interlocked.Increment(ref _unscoped));
        var request = RecordedMessages.From(messages);
        var recorded = Recording.Find(key);
        if (recorded is null)
        {
            var same = string.Join(", ", Recording.Calls.Where(c => c.Key.StepId == key.StepId).Select(c => $"visit {c.Key.Visit} attempt {c.Key.Attempt} call {c.Key.Call}"));
            throw Mismatch(key, $"the recording has no such call (recorded for this step: {(same.Length == 0 ? "none" : same)})");
        }

        if (RecordedMessages.Diff(recorded.Request, request) is { } diff)
        {
            throw Mismatch(key, "the request differs from the recording: " + diff);
        }

        var schema = RecordedMessages.Schema(options);
        if (!SameSchema(recorded.ResponseSchema, schema))
        {
            throw Mismatch(key, $"the response schema differs from the recording: recorded {Show(recorded.ResponseSchema)}, replayed {Show(schema)}");
        }

        if (recorded.Response is not { } answer)
        {
            throw new ModelCallException("replayed failure: " + (recorded.Error ?? "the recorded call failed"));
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer.Text))
        {
            ModelId = answer.ModelId,
            FinishReason = answer.FinishReason is { } reason ? new ChatFinishReason(reason) : null,
            Usage = answer.InputTokens is null && answer.OutputTokens is null
                ? null
                : new UsageDetails { InputTokenCount = answer.InputTokens, OutputTokenCount = answer.OutputTokens, TotalTokenCount = (answer.InputTokens ?? 0) + (answer.OutputTokens ?? 0) },
        };
    }

    private static bool SameSchema(System.Text.Json.JsonElement? a, System.Text.Json.JsonElement? b)
        => a is null || b is null ? a is null && b is null : System.Text.Json.JsonElement.DeepEquals(a.Value, b.Value);

    private static string Show(System.Text.Json.JsonElement? schema) => schema is { } s ? s.GetRawText() : "none";

    private ReplayMismatchException Mismatch(ChatCallKey key, string detail)
    {
        var exception = new ReplayMismatchException(key, $"replay mismatch at {key}: {detail}");
        lock (_mismatches)
        {
            _mismatches.Add(exception);
        }

        return exception;
    }
}

/// <summary>A replayed run asked something the recording does not hold; the message names the step, attempt and difference.</summary>
public sealed class ReplayMismatchException(ChatCallKey key, string message) : KeelException(message)
{
    /// <summary>Where the mismatched call was made.</summary>
    public ChatCallKey Key { get; } = key;
}
