using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keel.Cli.Commands;

/// <summary>JSON text written straight from elements and strings, with no serializer metadata to build.</summary>
internal static class JsonText
{
    /// <summary>The element as text with <paramref name="options"/> (indented, an encoder).</summary>
    public static string Write(JsonElement element, JsonWriterOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A JSON string literal, escaped by the default encoder (as the serializer's defaults write it).</summary>
    public static string Quote(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
