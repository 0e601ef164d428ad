using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Http;

/// <summary>Reads a JSON request body, turning a malformed one into a 422 that names the field (its JSON path) and the position.</summary>
internal static class Body
{
    /// <summary>
    /// Before routing, for a write under <c>/v1</c>: a body that is not JSON is answered 415 (the routes accept JSON,
    /// and routing alone would fall through to a 404), and a request without a body and without a content type
    /// (a bare <c>POST .../cancel</c>; every such body is optional or reported missing by its handler) is routed as JSON.
    /// </summary>
    public static Task GateAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method) && !HttpMethods.IsPatch(request.Method)
            || !request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            return next(http);
        }

        if (IsEmpty(request))
        {
            // No body: whatever type it claims (curl -d '' says a form), it is routed as the JSON it would be.
            if (!request.HasJsonContentType())
            {
                request.ContentType = "application/json";
            }
        }
        else if (!request.HasJsonContentType())
        {
            return UnsupportedMediaType(request).ExecuteAsync(http);
        }

        return next(http);
    }

    private static bool IsEmpty(HttpRequest request)
        => request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"));

    private static IResult UnsupportedMediaType(HttpRequest request)
        => Problems.Problem(
            StatusCodes.Status415UnsupportedMediaType,
            "unsupported-media-type",
            "Unsupported media type",
            $"The body must be JSON (Content-Type: application/json), not {(string.IsNullOrEmpty(request.ContentType) ? "a body without a content type" : $"'{request.ContentType}'")}.");

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, bool required, CancellationToken cancellationToken)
        where T : class
    {
        if (IsEmpty(request))
        {
            return required ? (null, Problems.Invalid("$", "a JSON body is required")) : (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, UnsupportedMediaType(request));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken).ConfigureAwait(false);
            return value is null && required ? (null, Problems.Invalid("$", "a JSON object is required, got null")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "$" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            return (null, Problems.Invalid(field, "is not valid here" + where + ": " + Simplify(ex.Message, field, typeInfo)));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "Request body too large", ex.Message));
        }
    }

    private static string Simplify(string message, string field, JsonTypeInfo typeInfo)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;

        // The generated metadata binds init-only members as a constructor's arguments are, and a value that
        // does not convert is then said not to convert to the request's type: the field's own type is named,
        // as for a member with a setter.
        if (string.Equals(text, Unconvertible(typeInfo.Type), StringComparison.Ordinal)
            && typeInfo.Properties.FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)) is { } property)
        {
            return Unconvertible(property.PropertyType);
        }

        return text;
    }

    private static string Unconvertible(Type type) => $"The JSON value could not be converted to {type}.";
}
