using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keel.Sqlite.Rows;

/// <summary>A data bus as one JSON object text whose values are the recorded raw texts, and back.</summary>
internal static class DataText
{
    public static string Write(IReadOnlyDictionary<string, JsonElement> data)
    {
        if (data.Count == 0)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = KeelJson.Encoder }))
        {
            writer.WriteStartObject();
            foreach (var pair in data)
            {
                writer.WritePropertyName(pair.Key);
                if (pair.Value.ValueKind == JsonValueKind.Undefined)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    pair.Value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A JSON array of the strings (for <c>json_each</c>).</summary>
    public static string Array(IEnumerable<string> items)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Dictionary<string, JsonElement> Read(string text)
    {
        using var document = JsonDocument.Parse(text);
        var data = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            data[property.Name] = property.Value.Clone();
        }

        return data;
    }

    public static long Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);
}
