using System.Globalization;

namespace Keel;

/// <summary>Durations as people read them in messages: <c>500 ms</c>, <c>1.5 s</c>, <c>2 min</c>, <c>2 min 5 s</c>, <c>1 h 30 min</c>; never <c>00:00:00.5000000</c>.</summary>
internal static class DurationText
{
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(duration.Duration());
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            var ms = duration.TotalMilliseconds;
            return (ms >= 1 || ms == 0 ? Math.Floor(ms).ToString(CultureInfo.InvariantCulture) : ms.ToString("0.###", CultureInfo.InvariantCulture)) + " ms";
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            var tenths = Math.Floor(duration.TotalSeconds * 10) / 10;
            return tenths.ToString(tenths == Math.Floor(tenths) ? "0" : "0.0", CultureInfo.InvariantCulture) + " s";
        }

        if (duration < TimeSpan.FromHours(1))
        {
            return Join((int)duration.TotalMinutes, "min", duration.Seconds, "s");
        }

        if (duration < TimeSpan.FromDays(1))
        {
            return Join((int)duration.TotalHours, "h", duration.Minutes, "min");
        }

        return Join((long)duration.TotalDays, "d", duration.Hours, "h");
    }

    private static string Join(long major, string majorUnit, int minor, string minorUnit)
        => minor == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit} {minor} {minorUnit}");
}
