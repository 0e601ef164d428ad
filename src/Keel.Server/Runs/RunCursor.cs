using System.Globalization;
using System.Text;

namespace Keel.Server.Runs;

/// <summary>
/// A position in the newest-first list of runs: the last run returned (its creation time and id), so a
/// page boundary between runs created at the same instant neither skips nor repeats one.
/// </summary>
internal readonly record struct RunCursor(long CreatedTicks, string RunId)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CreatedTicks.ToString(CultureInfo.InvariantCulture)}:{RunId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string text, out RunCursor cursor)
    {
        cursor = default;
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var plain = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = plain.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(plain.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || colon == plain.Length - 1)
            {
                return false;
            }

            cursor = new RunCursor(ticks, plain[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="run"/> comes after this cursor in newest-first order.</summary>
    public bool IsBefore(RunRecord run)
        => run.CreatedAt.UtcTicks < CreatedTicks || (run.CreatedAt.UtcTicks == CreatedTicks && string.CompareOrdinal(run.RunId, RunId) < 0);
}
