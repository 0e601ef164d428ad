using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Http;

/// <summary>
/// What an API request no endpoint took is told: a 405 with <c>Allow</c> when its path is an API route's and only
/// its method is wrong (<c>DELETE /v1/runs/ID</c>), else a 404. (The dashboard's catch-all route for its pages takes
/// every method, so routing's own 405 is never reached.)
/// </summary>
internal static class UnroutedRequest
{
    public static IResult Answer(HttpContext http)
    {
        var (allowed, templates) = AllowedMethods(http);
        if (allowed.Count == 0)
        {
            return Problems.NotFound($"There is no API route {http.Request.Method} {http.Request.Path}.");
        }

        if (allowed.Contains(http.Request.Method))
        {
            // The path has a route's shape but a parameter fails its constraint (steps/abc/rerun: not a number).
            return Problems.NotFound($"There is no API route {http.Request.Method} {http.Request.Path}: a part of the path is not of the form its route takes ({string.Join(", ", templates)}).");
        }

        var allow = string.Join(", ", allowed);
        http.Response.Headers.Allow = allow;
        return Problems.Problem(StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "Method not allowed", $"{http.Request.Path} takes {allow}, not {http.Request.Method}.");
    }

    private static (SortedSet<string> Allowed, SortedSet<string> Templates) AllowedMethods(HttpContext http)
    {
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        var templates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in http.RequestServices.GetServices<EndpointDataSource>())
        {
            foreach (var endpoint in source.Endpoints)
            {
                if (endpoint is not RouteEndpoint route || route.RoutePattern.RawText is not { } raw || !raw.TrimStart('/').StartsWith("v1", StringComparison.OrdinalIgnoreCase)
                    || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods)
                {
                    continue;
                }

                if (new TemplateMatcher(TemplateParser.Parse(raw.TrimStart('/')), []).TryMatch(http.Request.Path, []))
                {
                    allowed.UnionWith(methods.HttpMethods);
                    if (methods.HttpMethods.Contains(http.Request.Method, StringComparer.OrdinalIgnoreCase))
                    {
                        templates.Add("/" + raw.TrimStart('/'));
                    }
                }
            }
        }

        return (allowed, templates);
    }
}
