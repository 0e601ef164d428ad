using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Keel.Postgres.Benchmarks.CommitBenchmarks).Assembly).Run(args);
