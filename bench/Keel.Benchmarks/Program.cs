using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Keel.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Keel.Benchmarks.NoOpWorkers).Assembly).Run(args);
