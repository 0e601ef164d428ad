using Keel.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Security;

/// <summary>
/// Guards <c>/v1</c> and the OpenAPI document: a key in <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>)
/// when keys are required; GET and HEAD for read-only keys, every method for operator keys. The caller's
/// key is kept on the request as its actor (the key's name); the secret is never logged or echoed.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyCheck check, bool required)
{
    public const string Header = "X-Api-Key";

    private static readonly object ActorKey = new();

    public static string? Actor(HttpContext context) => context.Items.TryGetValue(ActorKey, out var value) ? value as string : null;

    public async Task InvokeAsync(HttpContext context)
    {
        // Routing matches paths whatever their case (/V1/runs is /v1/runs): the guard does too, and also goes by
        // the route the request was matched to, so no spelling of an API path reaches an endpoint without a key.
        var path = context.Request.Path;
        var route = (context.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? string.Empty;
        var guarded = path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase)
            || route.StartsWith("/v1", StringComparison.OrdinalIgnoreCase) || route.StartsWith("/openapi", StringComparison.OrdinalIgnoreCase)
            || route.StartsWith("v1", StringComparison.OrdinalIgnoreCase) || route.StartsWith("openapi", StringComparison.OrdinalIgnoreCase);
        if (!guarded || !required)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var presented = Presented(context.Request);
        if (presented is null)
        {
            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            await Write(context, StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", $"An API key is required: send it in the {Header} header.").ConfigureAwait(false);
            return;
        }

        var key = check.Find(presented);
        if (key is null)
        {
            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            await Write(context, StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", "The API key is not valid.").ConfigureAwait(false);
            return;
        }

        var reads = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (!reads && key.Scope != ApiKeyScope.Operator)
        {
            await Write(context, StatusCodes.Status403Forbidden, "forbidden", "Forbidden", $"Key '{key.Name}' is read-only; {context.Request.Method} {path} needs an operator key.").ConfigureAwait(false);
            return;
        }

        context.Items[ActorKey] = key.Name;
        await next(context).ConfigureAwait(false);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var header) && header.Count == 1 && !string.IsNullOrEmpty(header[0]))
        {
            return header[0];
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count == 1 && authorization[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return value[7..].Trim();
        }

        return null;
    }

    private static Task Write(HttpContext context, int status, string type, string title, string detail)
        => Problems.Problem(status, type, title, detail).ExecuteAsync(context);
}
