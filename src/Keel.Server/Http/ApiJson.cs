using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel.Server.Http;

/// <summary>
/// The API's JSON: camelCase names, enums as snake_case strings, unknown fields refused, numbers only as
/// numbers (so the OpenAPI document types them as numbers). Its metadata is generated at compile time
/// (<see cref="ApiJsonContext"/>): nothing is read by reflection, so the server runs as a native binary.
/// </summary>
internal static class ApiJson
{
    /// <summary>
    /// Gives the HTTP options (what results and the OpenAPI document use) the API's settings, and makes
    /// <see cref="ApiJsonContext"/> resolve their types, then the core's metadata the core types the
    /// document describes (the run events). The reflection-based resolver is taken out of the chain, so a
    /// type missing from the context fails in every build, not only in a native one.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;

        // Names as written (camelCase), each once: "WORKFLOW" is not "workflow", and a field given twice is refused.
        options.PropertyNameCaseInsensitive = false;
        options.AllowDuplicateProperties = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.MaxDepth = 64;
        options.NumberHandling = JsonNumberHandling.Strict;

        // The context's own converters apply only to its own options: these options get them too.
        if (!options.Converters.Any(c => c is SnakeCaseEnumConverter<WorkflowState>))
        {
            options.Converters.Add(new SnakeCaseEnumConverter<WorkflowState>());
            options.Converters.Add(new SnakeCaseEnumConverter<AttemptOutcome>());
        }

        for (var i = options.TypeInfoResolverChain.Count - 1; i >= 0; i--)
        {
            if (options.TypeInfoResolverChain[i].GetType() == typeof(DefaultJsonTypeInfoResolver))
            {
                options.TypeInfoResolverChain.RemoveAt(i);
            }
        }

        options.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        options.TypeInfoResolverChain.Add(CoreTypes.Instance);
        return options;
    }

    /// <summary>The core's own types (<see cref="RunEvent"/> and what it holds), resolved by the core's metadata for the options asked with.</summary>
    private sealed class CoreTypes : IJsonTypeInfoResolver
    {
        public static readonly CoreTypes Instance = new();

        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
            => type.Assembly == typeof(RunEvent).Assembly ? KeelJson.Options.TypeInfoResolver?.GetTypeInfo(type, options) : null;
    }
}

/// <summary>An enum as its member's name in snake_case (<c>waiting_for_approval</c>); numbers are read too.</summary>
internal sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;

