using BenchmarkDotNet.Attributes;

namespace Keel.Server.Benchmarks;

/// <summary>
/// Runs per second through the API: 64 two-step runs started with POST /v1/runs (eight requests in flight),
/// each stored pending and driven by the server's worker loop to its end, beside the same runs started in
/// process with <see cref="Orchestrator.StartAsync"/> on the same server. Every figure is per run
/// (OperationsPerInvoke): runs per second is one second divided by the mean.
/// </summary>
[MemoryDiagnoser]
public class ApiThroughputBenchmarks
{
    private const int Runs = 64;
    private const int InFlight = 8;
    private BenchServer? _server;

    [GlobalSetup]
    public void Setup() => _server = BenchServer.StartAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _server!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Runs)]
    public Task InProcess_StartAndComplete() => ManyAsync(async () =>
    {
        var handle = await _server!.Orchestrator.StartAsync(BenchServer.Quick, "bench");
        await _server.WaitAsync(handle.RunId);
    });

    [Benchmark(OperationsPerInvoke = Runs)]
    public Task OverHttp_StartAndComplete() => ManyAsync(async () =>
    {
        var id = await _server!.StartOverHttpAsync(BenchServer.Quick);
        await _server.WaitAsync(id);
    });

    private static async Task ManyAsync(Func<Task> one)
    {
        using var gate = new SemaphoreSlim(InFlight);
        await Task.WhenAll(Enumerable.Range(0, Runs).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                await one();
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
