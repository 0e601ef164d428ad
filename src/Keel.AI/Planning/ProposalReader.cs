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
    };

    public static WorkflowDefinition? Read(string text, out IReadOnlyList<ValidationProblem> problems)
    {
        var found = new List<ValidationProblem>();
        problems = found;
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            found.Add(new("(proposal)", null, "json", "the answer holds no JSON object"));
            return null;
        }

        var json = text[start..(end + 1)];
        JsonElement root;
        try
        {
            root = KeelJson.Parse(json);
        }
        catch (JsonException ex)
        {
            found.Add(new("(proposal)", null, "json", $"the answer is not valid JSON: {ex.Message}"));
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
            return WorkflowDefinitionJson.Deserialize(json);
        }
        catch (Exception ex) when (ex is JsonException or KeelException or InvalidOperationException)
        {
            found.Add(new(name, null, "json", $"the answer is not a workflow definition: {ex.Message}"));
            return null;
        }
    }
}
