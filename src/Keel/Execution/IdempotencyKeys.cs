namespace Keel.Execution;

internal static class IdempotencyKeys
{
    public static string Format(string runId, string stepId, int visit, int attempt)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{runId}:{stepId}:{visit}:{attempt}");
}
