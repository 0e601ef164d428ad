using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>
/// Records every call that passes through it into a <see cref="ChatRecording"/>, keyed by the
/// <see cref="ChatCallScope"/> the worker set (calls outside any scope are keyed "unscoped" in order).
/// Put it outside the provider's client, so recorded errors are already redacted.
/// </summary>
public sealed class RecordingChatClient(IChatClient inner, ChatRecording recording) : DelegatingChatClient(inner)
{
    private int _unscoped;

    /// <summary>Where the calls are recorded.</summary>
    public ChatRecording Recording { get; } = recording ?? throw new ArgumentNullException(nameof(recording));

    /// <summary>Sends the call to the inner client and records the request with its answer or its error (then rethrows it).</summary>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToArray();
        var key = NextKey();
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(request, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Record(key, request, options, null, ex);
            throw;
        }

        Record(key, request, options, response, null);
        return response;
    }

    /// <summary>Streams the call from the inner client and records the request with the whole answer once the stream ends.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToArray();
        var key = NextKey();
        var updates = new List<ChatResponseUpdate>();
        var stream = base.GetStreamingResponseAsync(request, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var disposal = stream.ConfigureAwait(false);
        while (true)
        {
            try
            {
                if (!await stream.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Record(key, request, options, null, ex);
                throw;
            }

            updates.Add(stream.Current);
            yield return stream.Current;
        }

        Record(key, request, options, updates.ToChatResponse(), null);
    }

    private ChatCallKey NextKey()
        => ChatCallScope.Current?.NextKey() ?? new ChatCallKey("unscoped", 0, 0, Interlocked.Increment(ref _unscoped));

    private void Record(ChatCallKey key, IEnumerable<ChatMessage> request, ChatOptions? options, ChatResponse? response, Exception? error)
        => Recording.Add(new RecordedCall
        {
            Key = key,
            Request = RecordedMessages.From(request),
            ResponseSchema = RecordedMessages.Schema(options),
            Response = response is null ? null : new RecordedResponse(response.Text, response.ModelId, response.FinishReason?.Value, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount),
            Error = error is null ? null : $"{error.GetType().Name}: {error.Message}",
        });
}
