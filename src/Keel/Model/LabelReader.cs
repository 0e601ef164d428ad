using System.Text.Json;

namespace Keel;

/// <summary>
/// How a step's outcome label is read from its worker's output: a field of the output, or a named
/// function. The label is data the definition interprets (through <see cref="WorkflowStep.OnLabel"/>);
/// a worker can never name the next step. A missing or unknown label fails the attempt.
/// </summary>
public sealed class LabelReader
{
    private readonly Func<JsonElement, string?>? _function;

    private LabelReader(string? field, string? functionName, Func<JsonElement, string?>? function)
    {
        FieldName = field;
        FunctionName = functionName;
        _function = function;
    }

    /// <summary>The output field that holds the label (a string), when the label is read from a field.</summary>
    public string? FieldName { get; }

    /// <summary>The name of the function that reads the label, when a function reads it (recorded with the definition).</summary>
    public string? FunctionName { get; }

    /// <summary>Reads the label from the string field <paramref name="fieldName"/> of an object output.</summary>
    public static LabelReader Field(string fieldName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldName);
        return new LabelReader(fieldName, null, null);
    }

    /// <summary>
    /// Reads the label with <paramref name="read"/> (null means no label). <paramref name="name"/> is
    /// what the definition records; the function must be pure: same output, same label.
    /// </summary>
    public static LabelReader Function(string name, Func<JsonElement, string?> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(read);
        return new LabelReader(null, name, read);
    }

    /// <summary>
    /// The verdict of a review: the string field <c>verdict</c> (or <c>label</c>) when present, else
    /// <c>approve</c> or <c>request_changes</c> from a boolean <c>approved</c>, else <c>approve</c>
    /// (a reviewer that does not fail and says nothing approves). Recorded as <c>review_verdict</c>.
    /// </summary>
    public static LabelReader ReviewVerdict { get; } = Function(ReviewVerdictName, ReadReviewVerdict);

    internal const string ReviewVerdictName = "review_verdict";

    /// <summary>The function readers a definition file may name.</summary>
    internal static LabelReader? BuiltIn(string name)
        => string.Equals(name, ReviewVerdictName, StringComparison.Ordinal) ? ReviewVerdict : null;

    /// <summary>The label, or null with <paramref name="error"/> saying why there is none.</summary>
    internal string? Read(JsonElement output, out string? error)
    {
        error = null;
        if (_function is not null)
        {
            try
            {
                var label = _function(output);
                if (string.IsNullOrEmpty(label))
                {
                    error = $"the label function '{FunctionName}' found no label in the output";
                }

                return string.IsNullOrEmpty(label) ? null : label;
            }
            catch (Exception ex)
            {
                error = $"the label function '{FunctionName}' threw {ex.GetType().Name}: {ex.Message}";
                return null;
            }
        }

        if (FieldName is null)
        {
            error = $"the label function '{FunctionName}' is not available here: register the workflow from code to use it";
            return null;
        }

        if (output.ValueKind != JsonValueKind.Object)
        {
            error = $"the output is {Kind(output)}, not an object with a '{FieldName}' label";
            return null;
        }

        if (!output.TryGetProperty(FieldName, out var value))
        {
            error = $"the output has no '{FieldName}' field to read the label from";
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
        {
            error = $"the output's '{FieldName}' is {Kind(value)}, not a label (a non-empty string)";
            return null;
        }

        return value.GetString();
    }

    /// <summary>A reader named in a definition file: a built-in function name, or null.</summary>
    internal static LabelReader Named(string name)
        => BuiltIn(name) ?? new LabelReader(null, name, null);

    private static string? ReadReviewVerdict(JsonElement output)
    {
        if (output.ValueKind != JsonValueKind.Object)
        {
            return "approve";
        }

        foreach (var field in (ReadOnlySpan<string>)["verdict", "label"])
        {
            if (output.TryGetProperty(field, out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString();
            }
        }

        if (output.TryGetProperty("approved", out var approved) && approved.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return approved.ValueKind == JsonValueKind.True ? "approve" : "request_changes";
        }

        return "approve";
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "empty",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    /// <inheritdoc />
    public override string ToString() => FieldName is { } field ? "field " + field : "function " + FunctionName;
}
