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

    /// <summary>The same document as <see cref="Json"/>, in YAML block style (strings double-quoted, which YAML reads as JSON strings).</summary>
    public static string Yaml(Plan plan)
    {
        // The one workflow-file format writes the definition (without loss, so it reads back to the plan's hash).
        var workers = plan.Workers.Select(type => new WorkerDeclaration { WorkerType = type.Value, Kind = WorkerKind.Builtin });
        var text = new StringBuilder();
        text.Append("# plan ").Append(plan.Hash).Append('\n');
        text.Append("# planner: ").Append(plan.Planning.Planner).Append(": ").Append(OneLine(plan.Planning.Explanation)).Append('\n');
        text.Append(WorkflowDocument.Write(plan.Definition, workers, WorkflowFormat.Yaml));
        return text.ToString();
    }

    private static string Quote(string value) => Commands.JsonText.Quote(value);

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
