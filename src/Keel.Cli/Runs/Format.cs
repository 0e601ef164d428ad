using System.Globalization;

namespace Keel.Cli.Runs;

/// <summary>How the command writes durations, outcomes and tokens.</summary>
internal static class Format
{
    /// <summary>A duration as people write it: <c>500 ms</c>, <c>1.5 s</c>, <c>2 min</c>, <c>2 min 5 s</c>, <c>1 h 30 min</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Duration(duration.Duration());
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            return ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            var tenths = Math.Floor(duration.TotalSeconds * 10) / 10;
            return tenths.ToString(tenths == Math.Floor(tenths) ? "0" : "0.0", CultureInfo.InvariantCulture) + " s";
        }

        return duration < TimeSpan.FromHours(1) ? Pair((long)duration.TotalMinutes, "min", duration.Seconds, "s")
            : duration < TimeSpan.FromDays(1) ? Pair((long)duration.TotalHours, "h", duration.Minutes, "min")
            : Pair((long)duration.TotalDays, "d", duration.Hours, "h");
    }

    private static string Pair(long major, string majorUnit, int minor, string minorUnit)
        => minor == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit} {minor} {minorUnit}");

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
