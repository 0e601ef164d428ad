using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Keel.Server.Benchmarks;

/// <summary>
/// Event latency, from a commit to its delivery: a run waits at its approval step, a watcher is already
/// connected and has read up to run_parked; the measured call records the approval (one commit, in this
/// process) and returns when the watcher has the decision_recorded event. Over SSE the watcher reads
/// GET /v1/runs/{id}/events on a loopback connection; the baseline watches the same store in process.
/// Each invocation needs a fresh waiting run, so each is its own iteration (the setup is not timed).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 5, iterationCount: 40)]
public class EventLatencyBenchmarks
{
    private BenchServer? _server;
    private string _runId = string.Empty;
    private HttpResponseMessage? _response;
    private StreamReader? _sse;
    private IAsyncEnumerator<RunEvent>? _watch;

    [GlobalSetup]
    public void Setup() => _server = BenchServer.StartAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _server!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(Sse_CommitToDelivery))]
    public void SetupSse() => SetupSseAsync().GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(InProcess_CommitToDelivery))]
    public void SetupWatch() => SetupWatchAsync().GetAwaiter().GetResult();

    [IterationCleanup]
    public void CleanupIteration()
    {
        _sse?.Dispose();
        _response?.Dispose();
        _watch?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        (_sse, _response, _watch) = (null, null, null);
    }

    [Benchmark(Baseline = true)]
    public async Task InProcess_CommitToDelivery()
    {
        await _server!.Orchestrator.ApproveAsync(_runId, "sign_off", "bench");
        while (await _watch!.MoveNextAsync())
        {
            if (_watch.Current is DecisionRecorded)
            {
                return;
            }
        }

        throw new InvalidOperationException("the watch ended before the decision");
    }

    [Benchmark]
    public async Task Sse_CommitToDelivery()
    {
        await _server!.Orchestrator.ApproveAsync(_runId, "sign_off", "bench");
        await ReadUntilAsync("event: decision_recorded");
    }

    private async Task<string> ParkedRunAsync()
    {
        var handle = await _server!.Orchestrator.StartAsync(BenchServer.Gated, "bench");
        await _server.WaitAsync(handle.RunId, parked: true);
        return handle.RunId;
    }

    private async Task SetupSseAsync()
    {
        _runId = await ParkedRunAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/runs/{_runId}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        _response = await _server!.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        _response.EnsureSuccessStatusCode();
        _sse = new StreamReader(await _response.Content.ReadAsStreamAsync());
        await ReadUntilAsync("event: run_parked");
    }

    private async Task SetupWatchAsync()
    {
        _runId = await ParkedRunAsync();
        _watch = _server!.Orchestrator.WatchAsync(_runId).GetAsyncEnumerator();
        while (await _watch.MoveNextAsync() && _watch.Current is not RunParked)
        {
        }
    }

    private async Task<string> ReadUntilAsync(string line)
    {
        while (await _sse!.ReadLineAsync() is { } read)
        {
            if (read == line)
            {
                return read;
            }
        }

        throw new InvalidOperationException($"the stream ended before '{line}'");
    }
}
