using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
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
    private static readonly JsonElement TrueElement = Parse("true");
    private static readonly JsonElement FalseElement = Parse("false");
    private static readonly JsonElement EmptyStringElement = Parse("\"\"");

    /// <summary>Strings up to this length are encoded on the stack; longer ones in a rented buffer.</summary>
    private const int StackLimit = 256;

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
                return StringElement(text);
            case bool flag:
                return flag ? TrueElement : FalseElement;
            case JsonNode node:
                return JsonSerializer.SerializeToElement(node, Options);
            default:
                return JsonSerializer.SerializeToElement(value, value.GetType(), Options);
        }
    }

    /// <summary>
    /// A string's element without a serializer round trip. A string of printable ASCII that the serializer's
    /// encoder would leave as it is (the common case: no quotes, backslashes, control characters, HTML-sensitive
    /// or non-ASCII characters) is its bytes between quotes; any other string goes through the serializer, so
    /// the recorded text is byte for byte what <see cref="JsonSerializer"/> writes.
    /// </summary>
    private static JsonElement StringElement(string text)
    {
        if (text.Length == 0)
        {
            return EmptyStringElement;
        }

        if (!Ascii.IsValid(text))
        {
            return JsonSerializer.SerializeToElement(text, Options);
        }

        var length = text.Length + 2;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var body = buffer.Slice(1, text.Length);
            Ascii.FromUtf16(text, body, out _);
            if (JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(body) >= 0)
            {
                return JsonSerializer.SerializeToElement(text, Options);
            }

            buffer[0] = (byte)'"';
            buffer[length - 1] = (byte)'"';
            return JsonElement.Parse(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
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
    public static JsonElement Parse(string json) => JsonElement.Parse(json);

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
