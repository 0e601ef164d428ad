using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keel.Postgres.Rows;

/// <summary>A data bus as one JSON object whose values keep their recorded raw text, and back.</summary>
internal static class DataText
{
    public static string Write(IReadOnlyDictionary<string, JsonElement> data)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = KeelJson.Encoder }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in data)
            {
                writer.WritePropertyName(key);
                if (value.ValueKind == JsonValueKind.Undefined)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
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
