using System.Text;
using System.Text.Json;

namespace Keel.AI;

/// <summary>
/// A small instructions template: <c>{{input}}</c>, <c>{{input.path}}</c>, <c>{{goal}}</c>,
/// <c>{{data.key}}</c>, <c>{{data.key.path}}</c> and <c>{{feedback}}</c> (why the step was sent back:
/// empty on a forward path), where a path is dot-separated property names or
/// array indices. Strings render as themselves, other values as compact JSON. Anything else between
/// double braces is rejected when the worker is created; a value missing at run time fails the attempt.
/// </summary>
internal sealed class PromptTemplate
{
    private readonly List<Part> _parts;

    private PromptTemplate(string source, List<Part> parts)
    {
        Source = source;
        _parts = parts;
    }

    public string Source { get; }

    public static PromptTemplate Parse(string source, string workerName)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parts = new List<Part>();
        var position = 0;
        while (position < source.Length)
        {
            var open = source.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new Part(source[position..], null, []));
                break;
            }

            if (open > position)
            {
                parts.Add(new Part(source[position..open], null, []));
            }

            var close = source.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new KeelException($"Worker '{workerName}': instructions template has '{{{{' at character {open} with no closing '}}}}'.");
            }

            var expression = source[(open + 2)..close].Trim();
            var segments = expression.Split('.');
            var root = segments[0];
            if (root is not ("input" or "goal" or "data" or "feedback") || segments.Any(s => s.Length == 0) || (root == "data" && segments.Length < 2) || (root is "goal" or "feedback" && segments.Length > 1))
            {
                throw new KeelException($"Worker '{workerName}': instructions template placeholder '{{{{{expression}}}}}' at character {open} is not supported; use {{{{input}}}}, {{{{input.path}}}}, {{{{goal}}}}, {{{{data.key}}}} or {{{{feedback}}}}.");
            }

            parts.Add(new Part(null, root, segments[1..]));
            position = close + 2;
        }

        return new PromptTemplate(source, parts);
    }

    /// <summary>Renders over the step's input, the goal and the data bus; throws naming a missing value.</summary>
    public string Render(JsonElement input, WorkflowContext context)
    {
        var text = new StringBuilder(Source.Length + 64);
        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                text.Append(part.Literal);
                continue;
            }

            text.Append(part.Root switch
            {
                "goal" => context.Goal,
                "feedback" => FeedbackText(context.Feedback),
                "input" => AsText(Walk(input, part.Path, "input")),
                _ => AsText(Walk(DataValue(context, part.Path[0]), part.Path[1..], "data." + part.Path[0])),
            });
        }

        return text.ToString();
    }

    /// <summary>A value as prompt text: a string as itself, anything else as compact JSON, nothing as empty.</summary>
    public static string AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Undefined or JsonValueKind.Null => string.Empty,
        _ => value.GetRawText(),
    };

    /// <summary>Why the step was sent back, as one paragraph for a prompt; empty without feedback.</summary>
    public static string FeedbackText(Feedback? feedback)
    {
        if (feedback is null)
        {
            return string.Empty;
        }

        var text = new StringBuilder("Your previous version was sent back by step '").Append(feedback.FromStep).Append('\'');
        text.Append(feedback.Label is { } label ? $" with the verdict '{label}'" : $" ({StableNames.Of(feedback.Outcome)})");
        if (feedback.Error is { } error)
        {
            text.Append(": ").Append(error);
        }

        if (feedback.Output is { } output)
        {
            text.Append(". Its output: ").Append(AsText(output));
        }

        if (feedback.PreviousOutput is { } previous)
        {
            text.Append(". Your previous output: ").Append(AsText(previous));
        }

        return text.Append('.').ToString();
    }

    private static JsonElement DataValue(WorkflowContext context, string key)
        => context.Data.TryGetValue(key, out var value)
            ? value
            : throw new KeelException($"instructions template: the data bus has no key '{key}' (step '{context.Attempt.StepId}').");

    private static JsonElement Walk(JsonElement value, string[] path, string name)
    {
        foreach (var segment in path)
        {
            name += "." + segment;
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment, out var property))
            {
                value = property;
            }
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else
            {
                throw new KeelException($"instructions template: '{{{{{name}}}}}' has no value (the value there is {Describe(value)}).");
            }
        }

        return value;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object without that property",
        JsonValueKind.Array => $"an array of {value.GetArrayLength()} items",
        JsonValueKind.Undefined => "absent",
        _ => "a " + value.ValueKind.ToString().ToLowerInvariant(),
    };

    private sealed record Part(string? Literal, string? Root, string[] Path);
}
