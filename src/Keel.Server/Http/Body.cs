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

            // A body sent is an object: a bare null is refused as any other non-object is (no body at all is what optional means).
            return value is null ? (null, Problems.Invalid("$", "a JSON object is required, got null")) : (value, null);
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

    /// <summary>
    /// For a write that takes no body (pause, resume, a dry run): none, or an empty object. Anything else is a 422,
    /// as an unknown field of any other request is, rather than ignored.
    /// </summary>
    public static async Task<IResult?> RefuseAnyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (IsEmpty(request))
        {
            return null;
        }

        if (!request.HasJsonContentType())
        {
            return UnsupportedMediaType(request);
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Problems.Invalid("$", $"this request takes no body, or an empty object {{}}; got {root.ValueKind.ToString().ToLowerInvariant()}");
            }

            foreach (var property in root.EnumerateObject())
            {
                return Problems.Invalid(property.Name, "is not a field of this request: it takes no body, or an empty object {}");
            }

            return null;
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            return Problems.Invalid("$", "is not valid JSON" + where);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "Request body too large", ex.Message);
        }
    }

    private static string Simplify(string message, string field, JsonTypeInfo typeInfo)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;

        // A field the request does not have: named with the fields it has (not the .NET type behind it).
        if (text.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "is not a field of this request (its fields: " + string.Join(", ", typeInfo.Properties.Select(p => p.Name)) + ")";
        }

        if (text.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return "is given twice";
        }

        // A value that does not convert is said to be of the field's type, named as JSON names it. (The generated
        // metadata binds init-only members as a constructor's arguments are, and such a value is then said not to
        // convert to the request's type: the field's own type is named, as for a member with a setter.)
        if (text.StartsWith(UnconvertiblePrefix, StringComparison.Ordinal))
        {
            var property = typeInfo.Properties.FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.Ordinal));
            return property is null ? "has a value of the wrong type" : "must be " + Expected(property.PropertyType);
        }

        return text;
    }

    private const string UnconvertiblePrefix = "The JSON value could not be converted to ";

    /// <summary>What a field of <paramref name="type"/> holds, in JSON's words.</summary>
    internal static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of: " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => "a string",
            TypeCode.Boolean => "true or false",
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Byte => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time (ISO 8601)",
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss)",
            _ when typeof(System.Collections.IDictionary).IsAssignableFrom(type) || type.Name.Contains("Dictionary", StringComparison.Ordinal) => "an object",
            _ when type.IsArray || typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "an array",
            _ => "an object",
        };
    }
}
