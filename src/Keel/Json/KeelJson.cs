using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel;

/// <summary>
/// How values cross the hub: everything is normalised to JSON when it is recorded, so a fresh run and a
/// resumed run show workers the same values. Serialisation uses the web defaults (camelCase names,
/// case-insensitive reads).
/// </summary>
public static class KeelJson
{
    /// <summary>The serializer options used for every value that crosses the hub.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly JsonElement NullElement = Parse("null");

    /// <summary>The JSON <c>null</c> element.</summary>
    public static JsonElement Null => NullElement;

    /// <summary>Converts any value to its normalised JSON form (the form it has once recorded).</summary>
    public static JsonElement Normalize(object? value)
    {
        switch (value)
        {
            case null:
                return NullElement;
            case JsonElement element:
                return element.ValueKind == JsonValueKind.Undefined ? NullElement : element.Clone();
            case JsonDocument document:
                return document.RootElement.Clone();
            case string text:
                return JsonSerializer.SerializeToElement(text, Options);
            case JsonNode node:
                return JsonSerializer.SerializeToElement(node, Options);
            default:
                return JsonSerializer.SerializeToElement(value, value.GetType(), Options);
        }
    }

    /// <summary>Reads a normalised value as <typeparamref name="T"/>; default for undefined or null.</summary>
    public static T? Deserialize<T>(JsonElement element)
    {
        if (element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return default;
        }

        if (typeof(T) == typeof(JsonElement))
        {
            return (T)(object)element;
        }

        return element.Deserialize<T>(Options);
    }

    /// <summary>Parses JSON text into a detached element.</summary>
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The recorded text of an element; null for undefined.</summary>
    public static string? ToText(JsonElement element)
        => element.ValueKind == JsonValueKind.Undefined ? null : element.GetRawText();

    /// <summary>An element from recorded text; undefined for null text.</summary>
    public static JsonElement FromText(string? text)
        => text is null ? default : Parse(text);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = false,
        };
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
