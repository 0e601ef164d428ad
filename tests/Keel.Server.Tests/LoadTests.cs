using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

/// <summary>Many runs started over HTTP with bounded concurrency: all complete, none lost, none started twice.</summary>
public sealed class LoadTests
{
    private const int Runs = 500;
    private const int Concurrency = 16;

    [Fact]
    public async Task FiveHundredRuns_OverHttpOnSqlite_AllCompleteOnceEach()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.MaxConcurrentRuns = 64);
        using var client = fixture.Client();
        var ids = await StartAllAsync([client], Runs);

        await AssertAllCompletedOnceAsync(client, ids);
    }

    /// <summary>Starts <paramref name="count"/> runs, each with its own idempotency key, and sends every tenth request twice.</summary>
    internal static async Task<Dictionary<string, string>> StartAllAsync(IReadOnlyList<HttpClient> clients, int count)
    {
        using var gate = new SemaphoreSlim(Concurrency);
        var ids = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var key = $"load-{i}";
                var sends = i % 10 == 0 ? 2 : 1;
                for (var s = 0; s < sends; s++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow = TestWorkflows.Quick, goal = $"load {i}" }) };
                    request.Headers.Add("Idempotency-Key", key);
                    var response = await clients[(i + s) % clients.Count].SendAsync(request);
                    Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"run {i}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    var id = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;
                    Assert.Equal(id, ids.GetOrAdd(key, id));
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        return new Dictionary<string, string>(ids);
    }

    internal static async Task AssertAllCompletedOnceAsync(HttpClient client, Dictionary<string, string> ids)
    {
        Assert.Equal(ids.Count, ids.Values.Distinct().Count());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        List<JsonElement> all;
        while (true)
        {
            all = await ListAllAsync(client, timeout.Token);
            if (all.Count(r => r.GetProperty("state").GetString() is "completed" or "failed" or "cancelled") >= ids.Count)
            {
                break;
            }

            await Task.Delay(200, timeout.Token);
        }

        Assert.Equal(ids.Count, all.Count);
        Assert.Equal(ids.Values.Order(), all.Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.All(all, r =>
        {
            Assert.Equal("completed", r.GetProperty("state").GetString());
            Assert.Equal(2, r.GetProperty("attempts").GetInt32());
        });
        foreach (var id in ids.Values.Take(25))
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{id}", timeout.Token);
            Assert.Equal(["write", "publish"], detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
            Assert.All(detail.GetProperty("attempts").EnumerateArray(), a => Assert.Equal(1, a.GetProperty("attempt").GetInt32()));
        }
    }

    private static async Task<List<JsonElement>> ListAllAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/v1/runs?workflow={TestWorkflows.Quick}&limit=500" + (cursor is null ? string.Empty : "&cursor=" + cursor), cancellationToken);
            all.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return all;
    }
}
