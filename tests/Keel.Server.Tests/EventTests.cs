using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

/// <summary>The SSE streams carry the core's run events: <c>id:</c> is the event's sequence, <c>event:</c> its type.</summary>
public sealed class EventTests
{
    [Fact]
    public async Task RunEvents_FollowARunToItsEnd_TheCoreEventsInSequenceThenClosed()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "watch me" }))).GetProperty("id").GetString()!;
        var watching = SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events");
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" })).StatusCode);

        var events = await watching;

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
        Assert.Equal(events.Select(e => e.Id), events.Select(e => Field(e.Data, "sequence").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("run_created", events[0].Type);
        Assert.Equal(["write", "publish"], events.Where(e => e.Type == "attempt_recorded").Select(e => Field(e.Data, "stepId").GetString()));
        Assert.Contains(events, e => e.Type == "run_parked");
        Assert.Contains(events, e => e.Type == "decision_recorded" && Field(e.Data, "by").GetString() == "ada");
        Assert.Equal("run_ended", events[^1].Type);
        Assert.Equal("completed", Field(events[^1].Data, "state").GetString());
    }

    [Fact]
    public async Task RunEvents_ReconnectWithLastEventId_ResumesWithNoGapAndNoDuplicate()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "resume me" }))).GetProperty("id").GetString()!;

        // The first connection drops after the run parks; the run moves on while nobody listens.
        var first = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", stopAfter: e => e.Type == "run_parked");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" })).StatusCode);
        await ServerFixture.WaitForStateAsync(client, id, "completed");
        var rest = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", lastEventId: first[^1].Id);

        var whole = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events");
        Assert.NotEmpty(rest);
        Assert.Equal(whole.Select(e => (e.Id, e.Type)), first.Concat(rest).Select(e => (e.Id, e.Type)));
        Assert.Equal("run_ended", rest[^1].Type);
        var afterQuery = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events?after={first[^1].Id}");
        Assert.Equal(rest.Select(e => e.Id), afterQuery.Select(e => e.Id));

        // A client that reconnects after run_ended (as EventSource does when the server closes) gets an empty
        // stream that closes, not one that stays open for ever.
        Assert.Empty(await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", lastEventId: rest[^1].Id).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Empty(await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events?after=1000").WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task RunEvents_ServerStopsWhileAStreamIsOpen_TheStreamClosesCleanly()
    {
        var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "left waiting" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The run waits for a person, so its stream stays open until the server stops.
        var reading = SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", stopAfter: e =>
        {
            if (e.Type == "run_parked")
            {
                parked.TrySetResult();
            }

            return false;
        });
        await parked.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await fixture.DisposeAsync();

        // Ended by the server, not cut: the read ends without an error, with every event sent before.
        var events = await reading.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("run_parked", events[^1].Type);
    }

    [Fact]
    public async Task RunEvents_BadLastEventIdOrUnknownRun_Problem()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/runs/nope/events")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/runs/nope/events");
        request.Headers.Add("Last-Event-ID", "seven");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await ServerFixture.ReadJsonAsync(response)).GetProperty("errors").TryGetProperty("Last-Event-ID", out _));
    }

    [Fact]
    public async Task AllEvents_ARunStartedAfterConnecting_ItsEventsThenItsSummary()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = Runs.RunEndpoints.IdFromKey("seen-run");
        var events = await WatchAllWhileStartingAsync(
            client,
            "seen-run",
            e => e.Type == "run" && e.Data.GetProperty("runId").GetString() == id && e.Data.GetProperty("run").GetProperty("state").GetString() == "completed");

        var ofRun = events.Where(e => e.Type != "run" && Field(e.Data, "runId").GetString() == id).ToArray();
        Assert.Equal(Enumerable.Range(1, ofRun.Length).Select(i => (long)i), ofRun.Select(e => Field(e.Data, "sequence").GetInt64()));
        Assert.Equal("run_created", ofRun[0].Type);
        Assert.Equal("run_ended", ofRun[^1].Type);
        Assert.Equal(ofRun[^1].Data.GetProperty("sequence").GetInt64(), events[^1].Data.GetProperty("sequence").GetInt64());
        Assert.All(events, e => Assert.Null(e.Id));
    }

    [Fact]
    public async Task AllEvents_AListingBehindTheRunsEvents_SendsEachEventOnce_ThenTheCurrentSummary()
    {
        await using var fixture = await ServerFixture.StartAsync(wrapStore: store => new LaggingListingStore(store));
        using var client = fixture.Client();
        var id = Runs.RunEndpoints.IdFromKey("lagging-run");
        // The stream ends at the run's current summary: the one at its run_ended event's sequence (a lagging
        // listing's summary of the ended run, at an earlier sequence, may come first).
        long? ended = null;
        var events = await WatchAllWhileStartingAsync(
            client,
            "lagging-run",
            e =>
            {
                if (e.Type == "run_ended" && Field(e.Data, "runId").GetString() == id)
                {
                    ended = Field(e.Data, "sequence").GetInt64();
                }

                return e.Type == "run" && e.Data.GetProperty("runId").GetString() == id && e.Data.GetProperty("sequence").GetInt64() == ended;
            });

        var stored = await fixture.Sqlite.GetEventsAsync(id, 0, 1000, CancellationToken.None);
        var last = stored[^1].Sequence;
        Assert.IsType<RunEnded>(stored[^1]);
        var ofRun = events.Where(e => e.Type != "run" && Field(e.Data, "runId").GetString() == id).Select(e => Field(e.Data, "sequence").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), ofRun);
        Assert.Equal(last, events[^1].Data.GetProperty("sequence").GetInt64());
        Assert.Equal("completed", events[^1].Data.GetProperty("run").GetProperty("state").GetString());
    }

    /// <summary>
    /// Follows /v1/events until <paramref name="stopAfter"/>, starting a run of the quick workflow (with
    /// <paramref name="key"/> as its idempotency key and goal) once the stream's snapshot is sent.
    /// </summary>
    private static async Task<List<SseEvent>> WatchAllWhileStartingAsync(HttpClient client, string key, Func<SseEvent, bool> stopAfter)
    {
        var snapshotSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = SseClient.ReadAllAsync(
            client,
            "/v1/events",
            stopAfter: stopAfter,
            onComment: comment =>
            {
                if (comment == "snapshot sent")
                {
                    snapshotSent.TrySetResult();
                }
            });
        await snapshotSent.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow = TestWorkflows.Quick, goal = key }) };
        request.Headers.Add("Idempotency-Key", key);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(request)).StatusCode);
        return await watching.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>An event field by its camelCase or snake_case name.</summary>
    internal static JsonElement Field(JsonElement element, string camelCase)
        => element.TryGetProperty(camelCase, out var value) ? value : element.GetProperty(JsonNamingPolicy.SnakeCaseLower.ConvertName(camelCase));
}
