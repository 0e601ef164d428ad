using System.Text.Json;

namespace Keel.AI;

/// <summary>
/// Reads a model's proposal as a workflow definition: the JSON object of the answer (code fences and text
/// around it are tolerated), with every field Keel's format does not know reported as a problem.
/// </summary>
internal static class ProposalReader
{
    private static readonly HashSet<string> WorkflowFields = new(StringComparer.Ordinal) { "name", "description", "goal", "initial_step", "max_steps", "steps" };

    private static readonly HashSet<string> StepFields = new(StringComparer.Ordinal)
    {
        "id", "worker", "description", "on_success", "on_failure", "max_retries", "timeout", "retry_delay", "retry_backoff", "max_retry_delay", "approval",
        "on_label", "label_field", "label_function", "parallel", "map", "join", "max_parallel",
    };

    /// <summary>The most '{' an answer's text is searched from for its object (a hostile answer full of braces stays linear enough).</summary>
    private const int MaxCandidates = 64;

    /// <summary>
    /// The answer's object: read as one JSON value from each <c>{</c> in turn, the text after it left alone, so
    /// braces in the prose around a fenced object (<c>here is the plan {as requested}:</c>) do not spoil it. The
    /// first object with <c>steps</c> wins, else the first object; with none, the error of the first try.
    /// </summary>
    private static JsonElement? Find(string text, out string error)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        JsonElement? first = null;
        string? firstError = null;
        var tried = 0;
        for (var at = Array.IndexOf(bytes, (byte)'{'); at >= 0 && tried < MaxCandidates; at = Array.IndexOf(bytes, (byte)'{', at + 1), tried++)
        {
            try
            {
                var reader = new Utf8JsonReader(bytes.AsSpan(at), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
                using var document = JsonDocument.ParseValue(ref reader);
                var value = document.RootElement.Clone();
                if (value.TryGetProperty("steps", out _))
                {
                    error = string.Empty;
                    return value;
                }

                first ??= value;
            }
            catch (JsonException ex)
            {
                firstError ??= $"the answer is not valid JSON: {ex.Message}";
            }
        }

        error = tried == 0 ? "the answer holds no JSON object" : firstError ?? string.Empty;
        return first;
    }

    public static WorkflowDefinition? Read(string text, out IReadOnlyList<ValidationProblem> problems)
    {
        var found = new List<ValidationProblem>();
        problems = found;
        if (Find(text, out var error) is not { } root)
        {
            found.Add(new("(proposal)", null, "json", error));
            return null;
        }

        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "(proposal)";
        foreach (var property in root.EnumerateObject())
        {
            if (!WorkflowFields.Contains(property.Name))
            {
                found.Add(new(name, null, property.Name, "is not a field of a workflow definition"));
            }
        }

        if (root.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            foreach (var step in steps.EnumerateArray())
            {
                if (step.ValueKind != JsonValueKind.Object)
                {
                    found.Add(new(name, null, "steps", "every step must be a JSON object"));
                    continue;
                }

                var id = step.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                foreach (var property in step.EnumerateObject())
                {
                    if (!StepFields.Contains(property.Name))
                    {
                        found.Add(new(name, id, property.Name, "is not a field of a step"));
                    }
                }
            }
        }

        try
        {
            return WorkflowDefinitionJson.Deserialize(root.GetRawText());
        }
        catch (Exception ex) when (ex is JsonException or KeelException or InvalidOperationException)
        {
            found.Add(new(name, null, "json", $"the answer is not a workflow definition: {ex.Message}"));
            return null;
        }
    }
}
