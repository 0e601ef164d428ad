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

    /// <summary>The <c>usage</c> object of a completion or of the last streamed chunk.</summary>
    public static JsonObject Usage(int inputTokens, int outputTokens) => new()
    {
        ["prompt_tokens"] = inputTokens,
        ["completion_tokens"] = outputTokens,
        ["total_tokens"] = inputTokens + outputTokens,
    };
}
