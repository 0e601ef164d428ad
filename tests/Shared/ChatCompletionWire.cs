using System.Text.Json.Nodes;

namespace Keel.Testing;

/// <summary>The OpenAI chat-completions wire format the loopback test servers answer with (shared by the test projects).</summary>
internal static class ChatCompletionWire
{
    /// <summary>A non-streamed <c>chat.completion</c> with one choice and its usage.</summary>
    public static JsonObject Completion(string model, string text, int inputTokens, int outputTokens, int index) => new()
    {
        ["id"] = $"chatcmpl-{index}",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop",
            ["logprobs"] = null,
        }),
        ["usage"] = Usage(inputTokens, outputTokens),
    };

    /// <summary>
    /// Ollama's <c>/api/chat</c> answer as newline-delimited JSON: the text in two chunks, then the last
    /// chunk with the token counts.
    /// </summary>
    public static string OllamaChunks(string model, string text, int inputTokens, int outputTokens)
    {
        var lines = new System.Text.StringBuilder();
        var half = text.Length / 2;
        foreach (var piece in new[] { text[..half], text[half..] })
        {
            var chunk = new JsonObject { ["model"] = model, ["created_at"] = "2026-01-01T00:00:00Z", ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = piece }, ["done"] = false };
            lines.Append(chunk.ToJsonString()).Append('\n');
        }

        var done = new JsonObject
        {
            ["model"] = model,
            ["created_at"] = "2026-01-01T00:00:00Z",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = string.Empty },
            ["done"] = true,
            ["done_reason"] = "stop",
            ["total_duration"] = 1000,
            ["prompt_eval_count"] = inputTokens,
            ["eval_count"] = outputTokens,
        };
        return lines.Append(done.ToJsonString()).Append('\n').ToString();
    }

    /// <summary>The <c>usage</c> object of a completion or of the last streamed chunk.</summary>
    public static JsonObject Usage(int inputTokens, int outputTokens) => new()
    {
        ["prompt_tokens"] = inputTokens,
        ["completion_tokens"] = outputTokens,
        ["total_tokens"] = inputTokens + outputTokens,
    };
}
