using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Keel.Cli.Planning;

/// <summary>
/// Writes a plan as a workflow file the keel command reads back to the same definition (same hash):
/// YAML for .yaml and .yml, else JSON. The workers are declared as the built-in workers they are.
/// </summary>
internal static class PlanFile
{
    public static void Write(Plan plan, string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        File.WriteAllText(path, extension is ".yaml" or ".yml" ? Yaml(plan) : Json(plan));
    }

    public static string Json(Plan plan)
    {
        var definition = JsonDocument.Parse(plan.DefinitionJson).RootElement;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var property in definition.EnumerateObject())
            {
                if (property.Name == "steps")
                {
                    writer.WritePropertyName("workers");
                    writer.WriteStartObject();
                    foreach (var type in plan.Workers)
                    {
                        writer.WritePropertyName(type.Value);
                        writer.WriteStartObject();
                        writer.WriteString("kind", "builtin");
                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }

                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static string Yaml(Plan plan)
    {
        var definition = plan.Definition;
        var text = new StringBuilder();
        text.Append("# plan ").Append(plan.Hash).Append('\n');
        text.Append("# planner: ").Append(plan.Planning.Planner).Append(": ").Append(OneLine(plan.Planning.Explanation)).Append('\n');
        text.Append("name: ").Append(Quote(definition.Name)).Append('\n');
        if (definition.Description.Length > 0)
        {
            text.Append("description: ").Append(Quote(definition.Description)).Append('\n');
        }

        if (definition.Goal.Length > 0)
        {
            text.Append("goal: ").Append(Quote(definition.Goal)).Append('\n');
        }

        text.Append("initial_step: ").Append(Quote(definition.InitialStep ?? string.Empty)).Append('\n');
        if (definition.MaxSteps is { } maxSteps)
        {
            text.Append("max_steps: ").Append(maxSteps.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("workers:\n");
        foreach (var type in plan.Workers)
        {
            text.Append("  ").Append(Quote(type.Value)).Append(":\n    kind: builtin\n");
        }

        text.Append("steps:\n");
        foreach (var step in definition.Steps)
        {
            text.Append("  - id: ").Append(Quote(step.StepId)).Append('\n');
            if (step.Kind == StepKind.Approval)
            {
                text.Append("    approval: ").Append(Quote(step.Prompt ?? string.Empty)).Append('\n');
            }
            else
            {
                text.Append("    worker: ").Append(Quote(step.WorkerType.Value)).Append('\n');
            }

            if (step.Description.Length > 0)
            {
                text.Append("    description: ").Append(Quote(step.Description)).Append('\n');
            }

            text.Append("    on_success: ").Append(Quote(step.OnSuccess)).Append('\n');
            if (step.OnFailure is { } failure)
            {
                text.Append("    on_failure: ").Append(Quote(failure)).Append('\n');
            }

            if (step.MaxRetries > 0)
            {
                text.Append("    max_retries: ").Append(step.MaxRetries.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            if (step.Timeout is { } timeout)
            {
                text.Append("    timeout: ").Append(timeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }

            if (step.RetryDelay is { } delay)
            {
                text.Append("    retry_delay: ").Append(delay.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                if (step.RetryBackoff != 2.0)
                {
                    text.Append("    retry_backoff: ").Append(step.RetryBackoff.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>A YAML double-quoted scalar (JSON string syntax, which YAML reads the same).</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
