using System.Globalization;
using Keel.Benchmarks.Shared;

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
        using var sampler = new AllocationSampler();
        for (var i = 0; i < runs; i++)
        {
            benchmarks.KeelRun().GetAwaiter().GetResult();
        }

        var measured = GC.GetAllocatedBytesForCurrentThread() - before;
        sampler.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Keel, in memory, {runs:N0} runs of the 3-step workload: {measured / (double)runs:F0} B per run (exact), by type (sampled):"));
        sampler.Print(runs);
    }
}
