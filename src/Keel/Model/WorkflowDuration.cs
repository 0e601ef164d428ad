using System.Globalization;

namespace Keel;

/// <summary>
/// Durations as definitions write them: a number of seconds (<c>30</c>, <c>1.5</c>) or a number with a
/// unit (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>). Parsing is exact to the tick
/// (100 ns); <see cref="Format"/> gives the shortest text that parses back to the same value.
/// </summary>
public static class WorkflowDuration
{
    /// <summary>What a duration looks like, for error messages.</summary>
    public const string Expected = "a duration: seconds (30, 1.5) or a number with a unit (500ms, 30s, 5m, 1h, 2d)";

    private static readonly (string Suffix, long Ticks)[] Units =
    [
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    ];

    /// <summary>The shortest text for <paramref name="value"/> that <see cref="TryParse(string, out TimeSpan)"/> reads back exactly.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        foreach (var (suffix, unit) in Units)
        {
            if (ticks % unit == 0)
            {
                return (ticks / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return ((decimal)ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>
    /// Reads a duration. False when the text is not a duration, or its value does not fit a
    /// <see cref="TimeSpan"/> (then <paramref name="tooLarge"/> is true).
    /// </summary>
    public static bool TryParse(string text, out TimeSpan value, out bool tooLarge)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        tooLarge = false;
        text = text.Trim();
        var (number, unit) = Split(text);
        if (number.Length == 0 || number.Contains('_', StringComparison.Ordinal))
        {
            return false;
        }

        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            // A number too large for a decimal is still a number: say so rather than "not a duration".
            tooLarge = double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var big) && !double.IsNaN(big);
            return false;
        }

        try
        {
            var ticks = decimal.Round(amount * unit, MidpointRounding.AwayFromZero);
            if (ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
            {
                tooLarge = true;
                return false;
            }

            value = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        catch (OverflowException)
        {
            tooLarge = true;
            return false;
        }
    }

    /// <summary>Reads a duration; false when the text is not one or does not fit a <see cref="TimeSpan"/>.</summary>
    public static bool TryParse(string text, out TimeSpan value) => TryParse(text, out value, out _);

    private static (string Number, long Unit) Split(string text)
    {
        if (text.EndsWith("ms", StringComparison.Ordinal))
        {
            return (text[..^2], TimeSpan.TicksPerMillisecond);
        }

        foreach (var (suffix, unit) in Units)
        {
            if (suffix.Length == 1 && text.EndsWith(suffix[0]))
            {
                return (text[..^1], unit);
            }
        }

        return (text, TimeSpan.TicksPerSecond);
    }
}
