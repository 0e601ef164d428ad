using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel;

/// <summary>
/// Keel's one JSON dialect, for values that cross the hub, definitions, history, events and every
/// machine-readable output: snake_case names (read case-insensitively), enums as snake_case strings,
/// and no needless escapes (<c>&gt;</c>, <c>'</c>, <c>+</c> and non-ASCII letters are written as they
/// are). Everything is normalised to JSON when it is recorded, so a fresh run and a resumed run show
/// workers the same values. Text written this way is safe in a JSON file, an HTTP body or a terminal;
/// to embed it in an HTML page, pass it through <see cref="ForHtml"/>.
/// </summary>
public static class KeelJson
{
    /// <summary>
    /// The encoder of the dialect: escapes only what JSON requires (quotes, backslashes, control
    /// characters) and the characters that are invisible or break lines in JavaScript (U+2028, U+2029).
    /// </summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The naming policy of the dialect: snake_case, lower case.</summary>
    public static JsonNamingPolicy NamingPolicy => JsonNamingPolicy.SnakeCaseLower;

    /// <summary>
    /// The serializer options of the dialect, for Keel's records and every value that crosses the hub:
    /// names written with <see cref="NamingPolicy"/>, read case-insensitively and also from the camelCase
    /// names earlier versions wrote (docs/workflow-files.md, One JSON dialect).
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(Reflects);

    /// <summary>Writer options of the dialect, compact.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = Encoder };

    /// <summary>Writer options of the dialect, indented (for output a person may read).</summary>
    public static JsonWriterOptions IndentedWriterOptions { get; } = new() { Encoder = Encoder, Indented = true };

    /// <summary>
    /// JSON text made safe to embed in an HTML page, inside a <c>&lt;script&gt;</c> element or an
    /// attribute: <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and <c>'</c> are written as <c>\u</c> escapes,
    /// which every JSON reader reads back as the same characters. The JSON stays equal in value.
    /// </summary>
    public static string ForHtml(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var builder = new StringBuilder(json.Length + 16);
        foreach (var c in json)
        {
            _ = c switch
            {
                '<' => builder.Append("\\u003C"),
                '>' => builder.Append("\\u003E"),
                '&' => builder.Append("\\u0026"),
                '\'' => builder.Append("\\u0027"),
                '\u2028' => builder.Append("\\u2028"),
                '\u2029' => builder.Append("\\u2029"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

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
                return JsonSerializer.SerializeToElement(node, TypeInfo<JsonNode>());
            default:
                return JsonSerializer.SerializeToElement(value, Options.GetTypeInfo(value.GetType()));
        }
    }

    /// <summary>
    /// The characters <see cref="Encoder"/> writes as they are in a string: printable ASCII but the quote and
    /// the backslash (held to the encoder by a test over every ASCII character).
    /// </summary>
    private static readonly SearchValues<char> PlainStringChars = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>
    /// A string's element without a serializer round trip. A string of plain characters (the common case: printable
    /// ASCII without quotes or backslashes, one vectorised check) is its bytes between quotes; any other string
    /// goes through the serializer, so the recorded text is byte for byte what <see cref="JsonSerializer"/> writes.
    /// </summary>
    private static JsonElement StringElement(string text)
    {
        if (text.Length == 0)
        {
            return EmptyStringElement;
        }

        if (text.AsSpan().ContainsAnyExcept(PlainStringChars))
        {
            return JsonSerializer.SerializeToElement(text, TypeInfo<string>());
        }

        var length = text.Length + 2;
        byte[]? rented = null;
        // Exactly the length on the stack (the runtime zeroes what it allocates there).
        var buffer = length <= StackLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            buffer[0] = (byte)'"';
            Ascii.FromUtf16(text, buffer.Slice(1, text.Length), out _);
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

        return element.Deserialize(TypeInfo<T>());
    }

    /// <summary>Parses JSON text into a detached element.</summary>
    public static JsonElement Parse(string json) => JsonElement.Parse(json);

    /// <summary>The recorded text of an element; null for undefined.</summary>
    public static string? ToText(JsonElement element)
        => element.ValueKind == JsonValueKind.Undefined ? null : element.GetRawText();

    /// <summary>An element from recorded text; undefined for null text.</summary>
    public static JsonElement FromText(string? text)
        => text is null ? default : Parse(text);

    /// <summary>The metadata of <typeparamref name="T"/> under the dialect's options (looked up once per type).</summary>
    internal static JsonTypeInfo<T> TypeInfo<T>() => TypeInfoOf<T>.Value;

    // Not a static initializer: a type without metadata (a user's type in a natively compiled process) fails
    // with the serializer's own error naming it, on every call, not with a type initialization error.
    private static class TypeInfoOf<T>
    {
        private static JsonTypeInfo<T>? s_value;

        public static JsonTypeInfo<T> Value => s_value ??= (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }

    /// <summary>The dialect's options, with metadata by reflection or, when not <paramref name="reflection"/>, generated at compile time.</summary>
    internal static JsonSerializerOptions CreateOptions(bool reflection)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = false,
            Encoder = Encoder,
            PropertyNamingPolicy = NamingPolicy,
            TypeInfoResolver = OwnRecords(reflection, earlierNames: true),
        };
        AddEnumConverters(options, NamingPolicy, reflection);
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// Why an output of <paramref name="type"/> cannot be recorded: the serializer's message, and where reflection
    /// is off (a trimmed or natively compiled application) what to return instead of a type Keel has no metadata for.
    /// </summary>
    internal static string Unrecordable(Exception ex, Type type, bool reflection)
    {
        var why = ex is NotSupportedException or JsonException or InvalidOperationException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        if (reflection || ex is not (NotSupportedException or InvalidOperationException) || KeelJsonContext.Default.GetTypeInfo(type) is not null)
        {
            return $"the output cannot be recorded as JSON: {why}";
        }

        return $"the output cannot be recorded as JSON: this application serialises without reflection (trimmed or natively compiled) "
            + $"and has no JSON metadata for the worker's type '{type}'; return a string, JsonElement or JsonNode instead, "
            + $"for example JsonSerializer.SerializeToElement(value, YourJsonContext.Default.YourType) (docs/concepts.md, JSON normalisation). {why}";
    }

    /// <summary>Where metadata is built by reflection; elsewhere (trimmed or natively compiled) it comes from <see cref="KeelJsonContext"/>.</summary>
    internal static bool Reflects => JsonSerializer.IsReflectionEnabledByDefault;

    /// <summary>
    /// Metadata for Keel's records and users' types: built by reflection (reading the earlier camelCase names
    /// too when <paramref name="earlierNames"/>) where reflection is enabled, else the metadata generated at
    /// compile time for Keel's own records (<see cref="KeelJsonContext"/>), so a natively compiled process
    /// reads and writes them; a user's type there fails naming the type, and earlier names are not read.
    /// </summary>
    internal static IJsonTypeInfoResolver OwnRecords(bool reflection, bool earlierNames = false)
        => reflection ? Reflection(earlierNames) : KeelJsonContext.Default;

    /// <summary>
    /// Enums as snake_case strings: one converter for every enum where reflection is enabled, else one per
    /// enum of Keel's records (the general converter builds its converters at run time).
    /// </summary>
    internal static void AddEnumConverters(JsonSerializerOptions options, JsonNamingPolicy policy, bool reflection)
    {
        if (reflection)
        {
            options.Converters.Add(AnyEnum(policy));
            return;
        }

        options.Converters.Add(new JsonStringEnumConverter<WorkflowState>(policy));
        options.Converters.Add(new JsonStringEnumConverter<AttemptOutcome>(policy));
        options.Converters.Add(new JsonStringEnumConverter<StepKind>(policy));
        options.Converters.Add(new JsonStringEnumConverter<JoinMode>(policy));
        options.Converters.Add(new JsonStringEnumConverter<RunControl>(policy));
        options.Converters.Add(new JsonStringEnumConverter<GraphNodeKind>(policy));
        options.Converters.Add(new JsonStringEnumConverter<GraphEdgeKind>(policy));
        options.Converters.Add(new JsonStringEnumConverter<RoutingVerdict>(policy));
    }

    // Reached where JsonSerializer.IsReflectionEnabledByDefault is true (and from tests): where it is false (a
    // trimmed or natively compiled application) the switch is a constant and the trimmer removes these calls.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Called only when reflection-based serialization is enabled (JsonSerializer.IsReflectionEnabledByDefault).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only when reflection-based serialization is enabled (JsonSerializer.IsReflectionEnabledByDefault).")]
    private static DefaultJsonTypeInfoResolver Reflection(bool earlierNames)
    {
        var reflection = new DefaultJsonTypeInfoResolver();
        if (earlierNames)
        {
            reflection.Modifiers.Add(EarlierNames.Add);
        }

        return reflection;
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only when reflection-based serialization is enabled (JsonSerializer.IsReflectionEnabledByDefault).")]
    private static JsonStringEnumConverter AnyEnum(JsonNamingPolicy policy) => new(policy);
}
