using BenchmarkDotNet.Running;
using Keel.Peers.Benchmarks;

// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- allocations [runs]   (Keel's allocations by type)
// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- loop <runs>          (Keel's runs alone, for callgrind)
if (args is ["allocations", ..])
{
    AllocationReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300_000);
    return;
}

if (args is ["loop", var count])
{
    var benchmarks = new ThreeStepPeersBenchmarks();
    benchmarks.Setup();
    for (var i = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i > 0; i--)
    {
        benchmarks.KeelRun().GetAwaiter().GetResult();
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ThreeStepWorkload).Assembly).Run(args);
