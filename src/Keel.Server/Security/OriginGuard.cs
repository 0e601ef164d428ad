using System.Net;
using Keel.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Security;

/// <summary>
/// Keeps other web sites out of the server a person's browser can reach. A page of another site can send a
/// browser's "simple" requests (a form's POST, a <c>fetch</c> with no custom header) to any address, loopback
/// included, without asking first; and a name of that site resolved to 127.0.0.1 afterwards (DNS rebinding)
/// makes the browser treat the server as that site. So:
/// <list type="bullet">
/// <item>a request that changes something (any method but GET, HEAD and OPTIONS) sent by a page of another
/// origin is refused: its <c>Origin</c> is not the server's own, or the browser marks it
/// <c>Sec-Fetch-Site: cross-site</c> or <c>same-site</c>;</item>
/// <item>when no API key is asked (loopback), a request is served only under a loopback host name
/// (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>): under any other name it is a rebound one.</item>
/// </list>
/// Clients that are not browsers (curl, the generated client, the CLI) send neither header and are not affected.
/// </summary>
internal static class OriginGuard
{
    public static async Task HandleAsync(HttpContext http, Func<Task> next, bool keysRequired)
    {
        var request = http.Request;
        if (!keysRequired && !IsLoopbackHost(request.Host.Host))
        {
            await Problems.Problem(StatusCodes.Status421MisdirectedRequest, "misdirected", "Misdirected request",
                $"This server answers without API keys on loopback only, so it serves requests addressed to localhost, 127.0.0.1 or [::1], not to '{request.Host.Value}'. "
                + "To serve other names, listen on them with API keys (keel serve --listen URL --api-keys-file FILE).").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method) && CrossOrigin(request) is { } origin)
        {
            await Problems.Problem(StatusCodes.Status403Forbidden, "cross-origin", "Cross-origin request refused",
                $"{request.Method} {request.Path} was sent by a page of {origin}, not of this server ({request.Scheme}://{request.Host.Value}): changes are accepted from this server's own pages and from clients that are not browsers.")
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>The other origin a browser says sent the request, or null when it is the server's own or no browser's.</summary>
    private static string? CrossOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
        {
            return request.Headers.Origin.Count == 1 ? request.Headers.Origin.ToString() : "another site";
        }

        if (request.Headers.Origin.Count == 0)
        {
            return null;
        }

        var origin = request.Headers.Origin.ToString();
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null : origin;
    }

    private static bool IsLoopbackHost(string host)
        => host.Length == 0
            || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
