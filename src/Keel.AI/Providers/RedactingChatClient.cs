using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>Rethrows provider failures as <see cref="ModelCallException"/> with every secret removed from the message.</summary>
internal sealed class RedactingChatClient(IChatClient inner, SecretRedactor redactor, string describe) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Redacted(ex);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var disposal = updates.ConfigureAwait(false);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                update = updates.Current;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw Redacted(ex);
            }

            yield return update;
        }
    }

    private Exception Redacted(Exception ex)
    {
        // A provider's back-off is for the limiter: it names only the model and the time, no secret.
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is ModelBackoffException backoff)
            {
                return backoff;
            }
        }

        var status = ex is ClientResultException client && client.Status != 0 ? client.Status : (int?)null;
        return new ModelCallException($"model call to {describe} failed: {ex.GetType().Name}: {redactor.Redact(ex.Message)}", status);
    }
}
