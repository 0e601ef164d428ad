using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Keel.Peers.Benchmarks;

/// <summary>
/// Where Keel's in-memory run allocates, by type: the runtime's allocation sampling events (one event about
/// every 100 KB allocated, naming the type of the object that crossed the mark) over many runs, divided by
/// the number of runs. Deterministic enough to compare two builds; totals match the MemoryDiagnoser's.
/// Run with: <c>dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- allocations [runs]</c>.
/// </summary>
public static class AllocationReport
{
    public static void Run(int runs)
    {
        var benchmarks = new ThreeStepPeersBenchmarks();
        benchmarks.Setup();
        for (var i = 0; i < 10_000; i++)
        {
            benchmarks.KeelRun().GetAwaiter().GetResult();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var sampler = new Sampler();
        for (var i = 0; i < runs; i++)
        {
            benchmarks.KeelRun().GetAwaiter().GetResult();
        }

        var measured = GC.GetAllocatedBytesForCurrentThread() - before;
        sampler.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Keel, in memory, {runs:N0} runs of the 3-step workload: {measured / (double)runs:F0} B per run (exact), by type (sampled):"));
        foreach (var pair in sampler.Bytes.OrderByDescending(p => p.Value))
        {
            var perRun = pair.Value / (double)runs;
            if (perRun >= 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{perRun,8:F0} B  {pair.Key}"));
            }
        }
    }

    private sealed class Sampler : EventListener
    {
        public ConcurrentDictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal);

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
}
