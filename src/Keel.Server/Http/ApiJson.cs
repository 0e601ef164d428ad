using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Server.Http;

/// <summary>The API's JSON: camelCase names, enums as snake_case strings, unknown fields refused, numbers only as numbers (so the OpenAPI document types them as numbers).</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.MaxDepth = 64;
        options.NumberHandling = JsonNumberHandling.Strict;
        if (!options.Converters.Any(c => c is JsonStringEnumConverter))
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        }

        return options;
    }
}
