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
        var text = new StringBuilder();
        text.Append("# plan ").Append(plan.Hash).Append('\n');
        text.Append("# planner: ").Append(plan.Planning.Planner).Append(": ").Append(OneLine(plan.Planning.Explanation)).Append('\n');
        using var document = JsonDocument.Parse(Json(plan));
        WriteMapping(text, document.RootElement, 0);
        return text.ToString();
    }

    private static void WriteMapping(StringBuilder text, JsonElement map, int indent)
    {
        foreach (var property in map.EnumerateObject())
        {
            text.Append(' ', indent).Append(Key(property.Name)).Append(':');
            WriteValue(text, property.Value, indent);
        }
    }

    private static void WriteValue(StringBuilder text, JsonElement value, int indent)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when value.EnumerateObject().Any():
                text.Append('\n');
                WriteMapping(text, value, indent + 2);
                break;
            case JsonValueKind.Array when value.GetArrayLength() > 0:
                text.Append('\n');
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(' ', indent + 2).Append("- ");
                    if (item.ValueKind == JsonValueKind.Object && item.EnumerateObject().Any())
                    {
                        // The first field on the dash's line, the rest aligned under it.
                        var first = true;
                        foreach (var property in item.EnumerateObject())
                        {
                            if (!first)
                            {
                                text.Append(' ', indent + 4);
                            }

                            first = false;
                            text.Append(Key(property.Name)).Append(':');
                            WriteValue(text, property.Value, indent + 4);
                        }
                    }
                    else
                    {
                        text.Append(Scalar(item)).Append('\n');
                    }
                }

                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Key(string name) => name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && name.Length > 0 ? name : Quote(name);

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Quote(value.GetString()!),
        JsonValueKind.Object => "{}",
        JsonValueKind.Array => "[]",
        _ => value.GetRawText(),
    };

    /// <summary>A YAML double-quoted scalar (JSON string syntax, which YAML reads the same).</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
