using System.Globalization;
using BenchmarkDotNet.Running;
using Keel;
using Keel.Benchmarks.Shared;
using Keel.Sqlite.Benchmarks;

// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- --filter '*PeerWorkload*'
// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- loop <full|normal> <runs> <file>   (runs alone, for bench/syscalls.sh)
// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- loop-concurrent <full|normal> <batches> <file>   (batches of 100 runs at once, for a profiler)
// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- allocations <full|normal> [runs]     (bytes per durable run, all threads)
// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- compare <full|normal> [rounds]         (quick check: run against floor, interleaved, means)
// dotnet run -c Release --project bench/Keel.Sqlite.Benchmarks -- pages <full|normal> [commits]          (a commit's cost per transaction and per page on this disk)
if (args is ["loop", var mode, var count, var path])
{
    var (store, orchestrator) = PeerWorkload.Open(path, Mode(mode));
    using (store)
    {
        for (var i = int.Parse(count, CultureInfo.InvariantCulture); i > 0; i--)
        {
            PeerWorkload.Check(orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).GetAwaiter().GetResult());
        }
    }

    return;
}

if (args is ["loop-concurrent", var concurrentMode, var batches, var concurrentPath])
{
    var (store, orchestrator) = PeerWorkload.Open(concurrentPath, Mode(concurrentMode));
    using (store)
    {
        var runs = new Task<WorkflowResult>[100];
        for (var b = int.Parse(batches, CultureInfo.InvariantCulture); b > 0; b--)
        {
            for (var i = 0; i < runs.Length; i++)
            {
                runs[i] = Task.Run(() => orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal));
            }

            foreach (var run in runs)
            {
                PeerWorkload.Check(run.GetAwaiter().GetResult());
            }
        }
    }

    return;
}

if (args is ["allocations", var allocationMode, ..])
{
    var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;
    var file = Path.Combine(Path.GetTempPath(), "keel-bench-allocations-" + Guid.NewGuid().ToString("N") + ".db");
    var (store, orchestrator) = PeerWorkload.Open(file, Mode(allocationMode));
    using (store)
    {
        for (var i = 0; i < 200; i++)
        {
            PeerWorkload.Check(orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).GetAwaiter().GetResult());
        }

        var sampler = new AllocationSampler();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < runs; i++)
        {
            PeerWorkload.Check(orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).GetAwaiter().GetResult());
        }

        var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        sampler.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SQLite ({allocationMode}), {runs:N0} runs of the 3-step peer workload one at a time: {bytes / (double)runs:F0} B allocated per run (exact, all threads), by type (sampled):"));
        sampler.Print(runs);
    }

    foreach (var leftover in new[] { file, file + "-wal", file + "-shm" })
    {
        File.Delete(leftover);
    }

    return;
}

if (args is ["compare", var compareMode, ..])
{
    var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
    QuickCompare.Run(Mode(compareMode), rounds);
    return;
}

if (args is ["pages", var pagesMode, ..])
{
    PageCost.Run(Mode(pagesMode), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DurableAttemptBenchmarks).Assembly).Run(args);

static SqliteSynchronous Mode(string mode) => mode switch
{
    "full" => SqliteSynchronous.Full,
    "normal" => SqliteSynchronous.Normal,
    _ => throw new ArgumentException($"unknown synchronous mode '{mode}' (full, normal)"),
};
