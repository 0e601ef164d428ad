using System.Globalization;
using System.Text.Json;

namespace Keel.AI;

/// <summary>
/// Checks a JSON value against the subset of JSON Schema that structured output uses: <c>type</c>
/// (one name or an array of names), <c>required</c>, <c>properties</c>, <c>items</c>, <c>enum</c> and
/// <c>additionalProperties</c> (false, or a schema). Other keywords are ignored. Errors name the JSON path.
/// </summary>
internal static class JsonSchemaValidator
{
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "$", errors);
        return errors;
    }

    /// <summary>Throws when the schema itself uses the supported keywords wrongly.</summary>
    public static void EnsureUsable(JsonElement schema, string workerName)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
        {
            throw new KeelException($"Worker '{workerName}': the output schema must be a JSON object, not {schema.ValueKind}.");
        }

        if (Misused(schema, "$", depth: 0) is { } problem)
        {
            throw new KeelException($"Worker '{workerName}': the output schema {problem}.");
        }
    }

    private static readonly string[] TypeNames = ["object", "array", "string", "number", "integer", "boolean", "null"];

    /// <summary>
    /// The first misuse of the supported keywords in <paramref name="schema"/> and the schemas under it (a
    /// <c>type</c> that names no type, <c>properties</c> or <c>required</c> of the wrong shape), or null.
    /// A misspelt type would otherwise accept any value there.
    /// </summary>
    private static string? Misused(JsonElement schema, string path, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 64)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var names = type.ValueKind switch
            {
                JsonValueKind.String => [type],
                JsonValueKind.Array => type.EnumerateArray().ToArray(),
                _ => null,
            };
            if (names is null || names.Any(n => n.ValueKind != JsonValueKind.String))
            {
                return $"has a 'type' at {path} that is not a string or an array of strings";
            }

            if (names.FirstOrDefault(n => !TypeNames.Contains(n.GetString(), StringComparer.Ordinal)) is { ValueKind: JsonValueKind.String } unknown)
            {
                return $"has the type '{unknown.GetString()}' at {path}, which is not a JSON Schema type ({string.Join(", ", TypeNames)})";
            }
        }

        if (schema.TryGetProperty("required", out var required) && (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String)))
        {
            return $"has a 'required' at {path} that is not an array of property names";
        }

        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                return $"has 'properties' at {path} that is not an object of schemas";
            }

            foreach (var property in properties.EnumerateObject())
            {
                if (Misused(property.Value, $"{path}.properties.{property.Name}", depth + 1) is { } inner)
                {
                    return inner;
                }
            }
        }

        foreach (var keyword in (string[])["items", "additionalProperties"])
        {
            if (schema.TryGetProperty(keyword, out var sub) && Misused(sub, $"{path}.{keyword}", depth + 1) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            if (schema.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{path}: no value is allowed here");
            }

            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected {TypeText(type)}, got {Kind(value)}");
            return;
        }

        if (schema.TryGetProperty("enum", out var choices) && choices.ValueKind == JsonValueKind.Array
            && !choices.EnumerateArray().Any(choice => JsonElement.DeepEquals(choice, value)))
        {
            errors.Add($"{path}: {Short(value)} is not one of {choices.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(schema, value, path, errors);
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{index++}]", errors);
            }
        }
    }

    private static void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.GetString() is { } property && !value.TryGetProperty(property, out _))
                {
                    errors.Add($"{path}: required property '{property}' is missing");
                }
            }
        }

        schema.TryGetProperty("properties", out var properties);
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, childPath, errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{path}: property '{property.Name}' is not allowed");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(additional, property.Value, childPath, errors);
            }
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value)
        => type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Any(t => IsType(t.GetString(), value))
            : IsType(type.GetString(), value);

    private static bool IsType(string? name, JsonElement value) => name switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static bool IsInteger(JsonElement value)
        => value.TryGetInt64(out _) || (double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Floor(d) == d);

    private static string TypeText(JsonElement type)
        => type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "?";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => "number",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
