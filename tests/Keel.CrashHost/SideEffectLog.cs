namespace Keel.CrashHost;

/// <summary>An append-only file of side effects, one line per attempt started, written before the work.</summary>
public sealed class SideEffectLog(string path)
{
    private readonly Lock _gate = new();

    public void Append(string runId, string stepId, string idempotencyKey)
    {
        lock (_gate)
        {
            File.AppendAllText(path, $"{runId} {stepId} {idempotencyKey}\n");
        }
    }

    /// <summary>The lines written so far, as (run id, step, idempotency key).</summary>
    public static IReadOnlyList<(string RunId, string StepId, string Key)> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<(string, string, string)>();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length == 3)
            {
                lines.Add((parts[0], parts[1], parts[2]));
            }
        }

        return lines;
    }
}
