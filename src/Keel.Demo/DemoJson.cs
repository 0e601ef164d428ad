using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel.Demo;

/// <summary>
/// The demo's records written and read as Keel records values (<see cref="KeelJson.Options"/>: snake_case
/// names, the relaxed encoder), from metadata generated at compile time. The workers hand the hub a
/// <see cref="JsonElement"/>, so a cold <c>keel run</c> builds no serializer metadata by reflection for them
/// (which read every record's members on the first attempt and compiled about 30 more methods at start).
/// </summary>
internal static class DemoJson
{
    private static readonly DemoJsonContext Context = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = KeelJson.Encoder,
        PropertyNamingPolicy = KeelJson.NamingPolicy,
    });

    public static JsonTypeInfo<SiteSpec> SiteSpec => Context.SiteSpec;

    public static JsonTypeInfo<SitePage> SitePage => Context.SitePage;

    public static JsonTypeInfo<ReviewReport> ReviewReport => Context.ReviewReport;

    public static JsonTypeInfo<ReviewInput> ReviewInput => Context.ReviewInput;

    /// <summary>The value as the element the hub records.</summary>
    public static JsonElement Write<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToElement(value, type);

    /// <summary>A recorded value as <typeparamref name="T"/>; default for undefined or null.</summary>
    public static T? Read<T>(JsonElement? element, JsonTypeInfo<T> type)
        => element is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value ? value.Deserialize(type) : default;
}

/// <summary>What the reviewer reads: the last spec and the last page of the run.</summary>
internal sealed record ReviewInput(SiteSpec? Spec, SitePage? Page);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SiteSpec))]
[JsonSerializable(typeof(SitePage))]
[JsonSerializable(typeof(ReviewReport))]
[JsonSerializable(typeof(ReviewInput))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
