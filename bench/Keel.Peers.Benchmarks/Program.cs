using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Keel.Peers.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Keel.Peers.Benchmarks.ThreeStepWorkload).Assembly).Run(args);
