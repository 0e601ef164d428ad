using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keel.Testing;

/// <summary>
/// Many runs started over HTTP with bounded concurrency, each with its own idempotency key (every tenth
/// request sent twice), then checked: all complete, none lost, none started twice (shared by the
/// server's tests on SQLite and the PostgreSQL tests with worker processes).
/// </summary>
internal static class HttpRunLoad
{
    /// <summary>Starts <paramref name="count"/> runs of <paramref name="workflow"/>; returns each key's run id.</summary>
    public static async Task<Dictionary<string, string>> StartAllAsync(IReadOnlyList<HttpClient> clients, string workflow, int count, int concurrency = 16)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var ids = new ConcurrentDictionary<string, string>();
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var key = $"load-{i}";
                var sends = i % 10 == 0 ? 2 : 1;
                for (var s = 0; s < sends; s++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow, goal = $"load {i}" }) };
                    request.Headers.Add("Idempotency-Key", key);
                    using var response = await clients[(i + s) % clients.Count].SendAsync(request);
                    Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"run {i}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
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

    /// <summary>
    /// Waits until every run of <paramref name="workflow"/> ended, then checks there is exactly one per key,
    /// each completed with one attempt of each of <paramref name="steps"/>, in order.
    /// </summary>
    public static async Task AssertAllCompletedOnceAsync(HttpClient client, string workflow, Dictionary<string, string> ids, string[] steps, TimeSpan? within = null)
    {
        Assert.Equal(ids.Count, ids.Values.Distinct().Count());
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromMinutes(5));
        List<JsonElement> all;
        while (true)
        {
            all = await ListAllAsync(client, workflow, timeout.Token);
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
            Assert.Equal(steps.Length, r.GetProperty("attempts").GetInt32());
        });
        foreach (var id in ids.Values.Take(25))
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{id}", timeout.Token);
            Assert.Equal(steps, detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
            Assert.All(detail.GetProperty("attempts").EnumerateArray(), a => Assert.Equal(1, a.GetProperty("attempt").GetInt32()));
        }
    }

    private static async Task<List<JsonElement>> ListAllAsync(HttpClient client, string workflow, CancellationToken cancellationToken)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/v1/runs?workflow={workflow}&limit=500" + (cursor is null ? string.Empty : "&cursor=" + cursor), cancellationToken);
            all.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return all;
    }
}
