using System.Globalization;
using BenchmarkDotNet.Running;
using Keel.Benchmarks;

// dotnet run -c Release --project bench/Keel.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Keel.Benchmarks -- pipeline-loop <runs>              (the 100-step pipeline alone, for a profiler)
// dotnet run -c Release --project bench/Keel.Benchmarks -- constructs-allocations [runs]   (exact bytes per run of each construct, all threads)
// dotnet run -c Release --project bench/Keel.Benchmarks -- constructs-loop <plain|parallel|map> <runs>   (one construct in memory, for a profiler)
if (args is ["constructs-allocations", ..])
{
    var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
    foreach (var store in new[] { "memory", "sqlite" })
    {
        var benchmarks = new ConstructsBenchmarks { Store = store };
        benchmarks.Setup();
        try
        {
            var plain = Bytes(runs, () => benchmarks.PlainStep());
            var parallel = Bytes(runs, () => benchmarks.ParallelStep());
            var map = Bytes(runs / 10, () => benchmarks.MapStep());
            var perBranch = (parallel - plain) / ConstructsBenchmarks.Branches;
            var perItem = (map - plain) / ConstructsBenchmarks.Items;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{store}: plain step {plain:F0} B; parallel of {ConstructsBenchmarks.Branches} {parallel:F0} B, {perBranch:F0} B per branch ({perBranch / plain:F2} x plain); map of {ConstructsBenchmarks.Items} {map:F0} B, {perItem:F0} B per item ({perItem / plain:F2} x plain)"));
        }
        finally
        {
            benchmarks.Cleanup();
        }
    }

    return;
}

if (args is ["constructs-loop", var construct, var constructRuns])
{
    var benchmarks = new ConstructsBenchmarks { Store = "memory" };
    benchmarks.Setup();
    Func<Task<Keel.WorkflowResult>> run = construct switch
    {
        "plain" => benchmarks.PlainStep,
        "parallel" => benchmarks.ParallelStep,
        "map" => benchmarks.MapStep,
        _ => throw new ArgumentException($"unknown construct '{construct}' (plain, parallel, map)"),
    };
    for (var i = int.Parse(constructRuns, CultureInfo.InvariantCulture); i > 0; i--)
    {
        run().GetAwaiter().GetResult();
    }

    benchmarks.Cleanup();
    return;
}

if (args is ["pipeline-loop", var count])
{
    // For a profiler (perf record with DOTNET_PerfMapEnabled=1): the 100-step pipeline, over and over.
    var pipeline = new GenericPipelineBenchmarks { Steps = 100 };
    pipeline.Setup();
    for (var i = int.Parse(count, CultureInfo.InvariantCulture); i > 0; i--)
    {
        pipeline.Pipeline().GetAwaiter().GetResult();
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(NoOpWorkers).Assembly).Run(args);

static double Bytes(int runs, Func<Task<Keel.WorkflowResult>> run)
{
    for (var i = 0; i < Math.Min(runs, 500); i++)
    {
        run().GetAwaiter().GetResult();
    }

    var before = GC.GetTotalAllocatedBytes(precise: true);
    for (var i = 0; i < runs; i++)
    {
        run().GetAwaiter().GetResult();
    }

    return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)runs;
}
