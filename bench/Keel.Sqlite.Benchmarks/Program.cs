using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Keel.Sqlite.Benchmarks.DurableAttemptBenchmarks).Assembly).Run(args);
