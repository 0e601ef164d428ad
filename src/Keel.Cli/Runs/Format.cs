using System.Globalization;

namespace Keel.Cli.Runs;

/// <summary>How the command writes durations, outcomes and tokens.</summary>
internal static class Format
{
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1))
        {
            return ((int)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            return duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        }

        return $"{(int)duration.TotalMinutes}m {duration.Seconds:00}s";
    }

    public static string Outcome(AttemptOutcome outcome) => StableNames.Of(outcome);

    public static string State(WorkflowState state) => StableNames.Of(state);

    public static string Tokens(TokenUsage? usage)
        => usage is null ? "-" : usage.TotalTokens.ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Short(string? text, int length)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        text = text.ReplaceLineEndings(" ");
        return text.Length <= length ? text : text[..(length - 3)] + "...";
    }

    public static bool TryParseState(string text, out WorkflowState state)
    {
        foreach (var value in Enum.GetValues<WorkflowState>())
        {
            if (string.Equals(State(value), text, StringComparison.OrdinalIgnoreCase) || string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                state = value;
                return true;
            }
        }

        state = default;
        return false;
    }
}
