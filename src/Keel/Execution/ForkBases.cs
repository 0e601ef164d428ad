using System.Text.Json;

namespace Keel;

/// <summary>
/// The data a fork started from, kept where a later fork or a resumed fan-out finds it. A fork's bus at its
/// fork point is not what its copied entries say (they are the parent's, and the fork may have edited the
/// data): so a fork stores, in its initial data under <see cref="Key"/>, each such starting bus with the
/// history position it applies before (<c>[{"sequence": 3, "data": {...}}]</c>, its parent's that still shape
/// its copied entries first). <see cref="BusBefore"/> reads the data bus as it stood before any entry from
/// them and the entries' own snapshots. The key never reaches a data bus.
/// </summary>
internal static class ForkBases
{
    /// <summary>The reserved key in a fork's initial data.</summary>
    public const string Key = "keel.fork_bases";

    /// <summary>A starting bus: the data bus just before entry <c>Sequence</c>.</summary>
    public readonly record struct Base(int Sequence, IReadOnlyDictionary<string, JsonElement> Data);

    /// <summary>The bases stored in <paramref name="initialData"/>, in the order they were made (none for a run that is not a fork with edited data).</summary>
    public static List<Base> Read(IReadOnlyDictionary<string, JsonElement> initialData)
    {
        var bases = new List<Base>();
        if (!initialData.TryGetValue(Key, out var stored) || stored.ValueKind != JsonValueKind.Array)
        {
            return bases;
        }

        foreach (var item in stored.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("sequence", out var sequence) && sequence.TryGetInt32(out var at)
                && item.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                bases.Add(new Base(at, KeelJson.Deserialize<Dictionary<string, JsonElement>>(data)!));
            }
        }

        return bases;
    }

    /// <summary>The bases as they are stored under <see cref="Key"/>.</summary>
    public static JsonElement Write(IEnumerable<Base> bases)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var b in bases)
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", b.Sequence);
                writer.WriteStartObject("data");
                foreach (var (key, value) in b.Data)
                {
                    writer.WritePropertyName(key);
                    value.WriteTo(writer);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }

    /// <summary>
    /// The data bus just before entry <paramref name="position"/> of <paramref name="history"/>: the newest of the
    /// entries' snapshots before it and the bases at or before it (a base at <c>s</c> is the bus before entry
    /// <c>s</c>, so it is newer than entry <c>s - 1</c>'s snapshot), else the run's initial data. Without the
    /// reserved keys of <see cref="ForkBases"/> and of a step-only fork (copied only when it holds one of them:
    /// the caller's <see cref="DataBus"/> copies it anyway).
    /// </summary>
    public static IReadOnlyDictionary<string, JsonElement> BusBefore(IReadOnlyDictionary<string, JsonElement> initialData, IReadOnlyList<HistoryEntry> history, int position)
    {
        var snapshotAt = -1;
        for (var i = Math.Min(position, history.Count) - 1; i >= 0; i--)
        {
            if (history[i].Data is not null)
            {
                snapshotAt = i;
                break;
            }
        }

        IReadOnlyDictionary<string, JsonElement>? newest = snapshotAt >= 0 ? history[snapshotAt].Data : null;
        if (initialData.ContainsKey(Key))
        {
            // The last base made at the newest sequence wins; it is newer than a snapshot of an entry before it.
            var best = int.MinValue;
            foreach (var b in Read(initialData))
            {
                if (b.Sequence <= position && b.Sequence > snapshotAt && b.Sequence >= best)
                {
                    best = b.Sequence;
                    newest = b.Data;
                }
            }
        }

        var bus = newest ?? initialData;
        if (!bus.ContainsKey(Key) && !bus.ContainsKey(Orchestrator.StepOnlyKey))
        {
            return bus;
        }

        var stripped = new Dictionary<string, JsonElement>(bus, StringComparer.Ordinal);
        stripped.Remove(Key);
        stripped.Remove(Orchestrator.StepOnlyKey);
        return stripped;
    }
}
