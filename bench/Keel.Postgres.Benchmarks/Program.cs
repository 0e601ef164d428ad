using BenchmarkDotNet.Running;
using Keel.Postgres.Benchmarks;

// "cluster": worker processes against one server (ClusterBenchmark); "worker": one of those processes;
// anything else: the BenchmarkDotNet suites.
return args.FirstOrDefault() switch
{
    "cluster" => await ClusterBenchmark.RunAsync(args),
    "worker" => await BenchWorker.RunAsync(args),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CommitBenchmarks).Assembly).Run(args);
    return 0;
}
