using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Keel.Benchmarks.Shared;

/// <summary>
/// The runtime's allocation sampling events (one about every 100 KB allocated on any thread, naming the type
/// of the object that crossed the mark), summed by type while the sampler lives: over many runs the split is
/// a steady sample of where the bytes go.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    public ConcurrentDictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal);

    /// <summary>Prints the types of at least one byte per run, most first.</summary>
    public void Print(int runs)
    {
        foreach (var pair in Bytes.OrderByDescending(p => p.Value))
        {
            var perRun = pair.Value / (double)runs;
            if (perRun >= 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{perRun,8:F0} B  {pair.Key}"));
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.Payload[eventData.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[eventData.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        Bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
    }
}
