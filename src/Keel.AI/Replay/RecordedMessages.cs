using System.Text;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>Request messages in their recorded form, and the difference between two requests.</summary>
internal static class RecordedMessages
{
    public static IReadOnlyList<RecordedMessage> From(IEnumerable<ChatMessage> messages)
        => messages.Select(m => new RecordedMessage(m.Role.Value, m.Text)).ToArray();

    public static System.Text.Json.JsonElement? Schema(ChatOptions? options)
        => options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } ? schema : null;

    /// <summary>Null when the two requests are the same, else where they first differ.</summary>
    public static string? Diff(IReadOnlyList<RecordedMessage> recorded, IReadOnlyList<RecordedMessage> replayed)
    {
        var text = new StringBuilder();
        if (recorded.Count != replayed.Count)
        {
            text.Append($"the request has {replayed.Count} message(s), the recording {recorded.Count}. ");
        }

        for (var i = 0; i < Math.Min(recorded.Count, replayed.Count); i++)
        {
            if (recorded[i] == replayed[i])
            {
                continue;
            }

            text.Append($"message {i + 1} ({replayed[i].Role}) differs");
            if (recorded[i].Role != replayed[i].Role)
            {
                text.Append($": role was {recorded[i].Role}");
            }

            text.Append(LineDiff(recorded[i].Text, replayed[i].Text));
            return text.ToString();
        }

        if (recorded.Count != replayed.Count)
        {
            var extra = recorded.Count > replayed.Count ? recorded[replayed.Count] : replayed[recorded.Count];
            var which = recorded.Count > replayed.Count ? "missing" : "extra";
            text.Append($"first {which} message ({extra.Role}): \"{Excerpt(extra.Text)}\"");
            return text.ToString();
        }

        return null;
    }

    private static string LineDiff(string recorded, string replayed)
    {
        var a = recorded.Split('\n');
        var b = replayed.Split('\n');
        for (var line = 0; line < Math.Max(a.Length, b.Length); line++)
        {
            var left = line < a.Length ? a[line] : "(none)";
            var right = line < b.Length ? b[line] : "(none)";
            if (!string.Equals(left, right, StringComparison.Ordinal))
            {
                return $" at line {line + 1}:{Environment.NewLine}  - recorded: {Excerpt(left)}{Environment.NewLine}  + replayed: {Excerpt(right)}";
            }
        }

        return string.Empty;
    }

    private static string Excerpt(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
