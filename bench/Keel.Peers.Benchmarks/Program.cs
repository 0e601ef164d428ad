using BenchmarkDotNet.Running;
using Keel.Peers.Benchmarks;

// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- allocations [runs]   (Keel's allocations by type)
// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- loop <peer> <runs>   (one peer's runs alone, for callgrind)
if (args is ["allocations", ..])
{
    AllocationReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300_000);
    return;
}

if (args is ["loop", var peer, var count])
{
    var benchmarks = new ThreeStepPeersBenchmarks();
    benchmarks.Setup();
    Func<ValueTask<string>> run = peer switch
    {
        "floor" => () => new(benchmarks.HandWrittenLoop()),
        "keel" => benchmarks.KeelRun,
        "stateless" => () => new(benchmarks.Stateless()),
        "af-lockstep" => () => new(benchmarks.AgentFrameworkLockstep()),
        "af-default" => () => new(benchmarks.AgentFrameworkDefault()),
        _ => throw new ArgumentException($"unknown peer '{peer}' (floor, keel, stateless, af-lockstep, af-default)"),
    };
    for (var i = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i > 0; i--)
    {
        run().GetAwaiter().GetResult();
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ThreeStepWorkload).Assembly).Run(args);
