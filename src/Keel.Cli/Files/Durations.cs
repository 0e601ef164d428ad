using System.Globalization;

namespace Keel.Cli.Files;

/// <summary>Durations in workflow files: a number of seconds (<c>30</c>, <c>1.5</c>) or a number with a unit (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>).</summary>
internal static class Durations
{
    public const string Expected = "a duration: seconds (30, 1.5) or a number with a unit (500ms, 30s, 5m, 1h)";

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || double.IsNaN(amount) || double.IsInfinity(amount))
        {
            return false;
        }

        value = TimeSpan.FromSeconds(amount * scale);
        return true;
    }
}
