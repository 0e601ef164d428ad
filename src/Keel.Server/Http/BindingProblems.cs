using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Keel.Server.Http;

/// <summary>
/// A query or route value that does not parse as its parameter's type (<c>?limit=abc</c>,
/// <c>?createdAfter=yesterday</c>) is a 422 naming the field, as every other bad field is, rather than the
/// framework's bare 400. The endpoints throw on such a request (<c>RouteHandlerOptions.ThrowOnBadRequest</c>)
/// and this middleware, outside them, answers it (a nullable parameter's bare 400 too); nothing is logged,
/// since the mistake is the client's.
/// </summary>
internal static partial class BindingProblems
{
    public static async Task HandleAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            await For(ex).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        // A nullable parameter (int? limit) that does not parse is answered with a bare 400 and no exception:
        // the values are checked again here, by their parameters' types, to name the field.
        if (http.Response.StatusCode == StatusCodes.Status400BadRequest && !http.Response.HasStarted && http.GetEndpoint() is { } endpoint
            && Unparsable(http, endpoint) is { Count: > 0 } errors)
        {
            await Problems.Invalid(errors).ExecuteAsync(http).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string[]> Unparsable(HttpContext http, Endpoint endpoint)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var parameter in endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>())
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterInfo.ParameterType) ?? parameter.ParameterInfo.ParameterType;
            var text = http.Request.RouteValues.TryGetValue(parameter.Name, out var routed) && routed is string fromRoute ? fromRoute : http.Request.Query[parameter.Name].ToString();
            if (parameter.HasTryParse && text.Length > 0 && Parses(type, text) == false)
            {
                errors[parameter.Name] = [$"'{text}' is not {Describe(type.Name)}"];
            }
        }

        return errors;
    }

    /// <summary>Whether <paramref name="text"/> parses as <paramref name="type"/> as the endpoints read it; null for a type not checked here.</summary>
    private static bool? Parses(Type type, string text)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return type == typeof(int) ? int.TryParse(text, System.Globalization.NumberStyles.Integer, culture, out _)
            : type == typeof(long) ? long.TryParse(text, System.Globalization.NumberStyles.Integer, culture, out _)
            : type == typeof(double) ? double.TryParse(text, System.Globalization.NumberStyles.Float | System.Globalization.NumberStyles.AllowThousands, culture, out _)
            : type == typeof(decimal) ? decimal.TryParse(text, System.Globalization.NumberStyles.Number, culture, out _)
            : type == typeof(bool) ? bool.TryParse(text, out _)
            : type == typeof(DateTimeOffset) ? DateTimeOffset.TryParse(text, culture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AllowWhiteSpaces, out _)
            : null;
    }

    internal static IResult For(BadHttpRequestException exception)
    {
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "Request body too large", exception.Message);
        }

        if (Unparsed().Match(exception.Message) is { Success: true } unparsed)
        {
            return Problems.Invalid(unparsed.Groups["name"].Value, $"'{unparsed.Groups["value"].Value}' is not {Describe(unparsed.Groups["type"].Value)}");
        }

        if (Missing().Match(exception.Message) is { Success: true } missing)
        {
            return Problems.Invalid(missing.Groups["name"].Value, "is required");
        }

        return Problems.BadRequest(exception.Message);
    }

    private static string Describe(string type) => type.TrimEnd('?') switch
    {
        "int" or "long" or "Int32" or "Int64" => "a whole number",
        "bool" or "Boolean" => "true or false",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, such as 2026-12-01T09:30:00Z)",
        "double" or "decimal" or "Double" or "Decimal" => "a number",
        var other => $"a valid {other}",
    };

    // The framework's messages: Failed to bind parameter "int? limit" from "abc".
    [GeneratedRegex("^Failed to bind parameter \"(?<type>\\S+) (?<name>[^\" ]+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex Unparsed();

    // Required parameter "int sequence" was not provided from route.
    [GeneratedRegex("^Required parameter \"(?<type>\\S+) (?<name>[^\" ]+)\" was not provided", RegexOptions.Singleline)]
    private static partial Regex Missing();
}
