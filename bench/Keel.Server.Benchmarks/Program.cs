using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Keel.Server.Benchmarks.ApiThroughputBenchmarks).Assembly).Run(args);
