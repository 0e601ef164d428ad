using Microsoft.AspNetCore.Http;

namespace Keel.Server.Http;

/// <summary>Every error the API returns, as RFC 9457 problem details with a stable <c>type</c>.</summary>
internal static class Problems
{
    private const string TypeBase = "https://keel.dev/problems/";

    public static IResult NotFound(string what) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", what);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "bad-request", "Bad request", detail);

    public static IResult NotImplemented(string detail) => Problem(StatusCodes.Status501NotImplemented, "not-implemented", "Not implemented", detail);

    public static IResult Unavailable(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "Unavailable", detail);

    /// <summary>422 naming each bad field: <c>errors</c> maps the field's JSON path to its messages.</summary>
    public static IResult Invalid(IDictionary<string, string[]> errors, string? detail = null)
        => Results.ValidationProblem(
            errors,
            detail: detail ?? "The request has invalid fields: " + string.Join(", ", errors.Keys) + ".",
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "Invalid request",
            type: TypeBase + "invalid");

    public static IResult Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The status of a request that ended in an unhandled exception: 503 for a failure of the run store, else 500.</summary>
    public static int StatusOf(Exception exception)
        => exception is RunStoreException ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;

    /// <summary>The problem of a request that ended in an unhandled exception: a run store failure says what failed and where.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        if (context.Exception is RunStoreException failure)
        {
            context.ProblemDetails.Type = TypeBase + "store-failed";
            context.ProblemDetails.Title = "The run store failed";
            context.ProblemDetails.Detail = failure.Message;
        }
    }

    public static IResult Problem(int status, string type, string title, string detail)
        => Results.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + type);
}
