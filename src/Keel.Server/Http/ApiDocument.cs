using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Keel.Server.Http;

/// <summary>
/// The OpenAPI document as the server answers: the API's schemas in camelCase, the run events in Keel's own
/// snake_case (what a stream's <c>data:</c> holds), the API key as a security scheme, and the problems every
/// route may answer with (a missing or wrong key, a read-only key's write, a body too large or not JSON).
/// </summary>
internal static class ApiDocument
{
    private const string KeyScheme = "ApiKey";

    public static OpenApiOptions Configure(OpenApiOptions options)
    {
        // OpenAPI 3.0: what the common client generators (NSwag, Kiota, openapi-generator) read today.
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Keel's own records (run events, history entries, usage) are written by the core in its dialect.
            var type = context.JsonTypeInfo.Type;
            if (type.Assembly == typeof(RunEvent).Assembly && !type.IsEnum && schema.Properties is { Count: > 0 } properties)
            {
                schema.Properties = properties.ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Key), p => p.Value, StringComparer.Ordinal);
                if (schema.Required is { Count: > 0 } required)
                {
                    schema.Required = new HashSet<string>(required.Select(JsonNamingPolicy.SnakeCaseLower.ConvertName), StringComparer.Ordinal);
                }
            }

            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [];
            document.Info.Title = "Keel";
            document.Info.Description = "Keel's HTTP API: definitions, runs, live events, approvals and usage. "
                + "An API key (X-Api-Key, or Authorization: Bearer) is required off loopback, and on loopback when the server is started with --require-key.";
            document.Info.Version = "v1";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[KeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                Name = "X-Api-Key",
                In = ParameterLocation.Header,
                Description = "An API key's secret; read keys may only GET. Not needed on loopback unless the server requires it.",
            };

            // A key, or none (a loopback server that asks for none).
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(KeyScheme, document)] = [] }, new OpenApiSecurityRequirement()];
            foreach (var path in document.Paths)
            {
                foreach (var (method, operation) in path.Value.Operations ?? [])
                {
                    operation.Responses ??= [];
                    Add(document, operation, "401", "No API key, or one that is not valid (when keys are required)");
                    var writes = method != HttpMethod.Get && method != HttpMethod.Head;
                    if (writes)
                    {
                        Add(document, operation, "403", "A read-only key's write, or a change sent by another site's page");
                        Add(document, operation, "413", "The body is larger than the server accepts");
                        Add(document, operation, "415", "The body is not JSON");
                    }
                }
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static void Add(OpenApiDocument document, OpenApiOperation operation, string status, string description)
        => operation.Responses!.TryAdd(status, new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
            },
        });
}
