using System.Globalization;

namespace Keel.Postgres.Tests.Chaos;

/// <summary>One line of a worker process's call log: a call beginning or ending.</summary>
internal sealed record CallRecord(string What, string Key, string RunId, string Step, int Visit, int Attempt, string Model, int Pid, long Ticks)
{
    public static CallRecord Parse(string line)
    {
        var f = line.Split('|');
        return new CallRecord(f[0], f[1], f[2], f[3], int.Parse(f[4], CultureInfo.InvariantCulture), int.Parse(f[5], CultureInfo.InvariantCulture), f[6],
            int.Parse(f[7], CultureInfo.InvariantCulture), long.Parse(f[8], CultureInfo.InvariantCulture));
    }

    /// <summary>Every call record in the logs (a killed process's last line may be cut short: it is left out).</summary>
    public static List<CallRecord> ReadAll(IEnumerable<string> logs)
        => logs.Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Where(l => (l.StartsWith("start|", StringComparison.Ordinal) || l.StartsWith("end|", StringComparison.Ordinal)) && l.Split('|').Length == 9)
            .Select(Parse)
            .ToList();
}
