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

/// <summary>A span of time a process held something (a call in flight, a run admitted under the workflow's limit).</summary>
internal sealed record Held(int Pid, long Start, long End)
{
    /// <summary>The calls to <paramref name="model"/>, from their start to their end (unbounded when a killed process never logged one).</summary>
    public static List<Held> Calls(List<CallRecord> calls, string model)
        => calls.Where(c => c.Model == model && c.What == "start")
            .Select(c => new Held(c.Pid, c.Ticks, calls.FirstOrDefault(e => e.What == "end" && e.Pid == c.Pid && e.Key == c.Key && e.Ticks >= c.Ticks)?.Ticks ?? long.MaxValue))
            .ToList();

    /// <summary>The runs admitted under the workflow's limit, as the logs' <c>run-start</c> and <c>run-end</c> lines say.</summary>
    public static List<Held> Runs(IEnumerable<string> logs)
    {
        var lines = logs.Where(File.Exists).SelectMany(File.ReadAllLines).Select(l => l.Split('|')).Where(f => f.Length == 4 && f[0] is "run-start" or "run-end").ToList();
        var ends = lines.Where(f => f[0] == "run-end").ToDictionary(f => f[1], f => long.Parse(f[3], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return lines.Where(f => f[0] == "run-start")
            .Select(f => new Held(int.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), ends.GetValueOrDefault(f[1], long.MaxValue)))
            .ToList();
    }
}
