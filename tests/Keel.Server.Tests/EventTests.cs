using System.Net;
using System.Net.Http.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

public sealed class EventTests
{
    [Fact]
    public async Task RunEvents_FollowARunToItsEnd_SequencedFromOneAndClosed()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "watch me" }))).GetProperty("id").GetString()!;
        var watching = SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events");
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" });

        var events = await watching;

        var attempts = events.Where(e => e.Type == "attempt").ToArray();
        Assert.Equal(["1", "2", "3"], attempts.Select(e => e.Id));
        Assert.Equal(["write", "sign_off", "publish"], attempts.Select(e => e.Data.GetProperty("attempt").GetProperty("stepId").GetString()));
        Assert.Contains(events, e => e.Type == "state" && e.Data.GetProperty("state").GetString() == "waiting_for_approval");
        Assert.Equal("end", events[^1].Type);
        Assert.Equal("completed", events[^1].Data.GetProperty("state").GetString());
    }

    [Fact]
    public async Task RunEvents_ResumedWithLastEventId_NoGapNoDuplicate()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "resume me" }))).GetProperty("id").GetString()!;
        var first = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", stopAfter: e => e.Id == "1");
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" });

        var rest = await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events", lastEventId: first.Last(e => e.Id is not null).Id);

        var ids = first.Concat(rest).Where(e => e.Id is not null).Select(e => e.Id!).ToArray();
        Assert.Equal(["1", "2", "3"], ids);
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
    public async Task AllEvents_ARunStartedAfterConnecting_Reported()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = Runs.RunEndpoints.IdFromKey("seen-run");
        var watching = SseClient.ReadAllAsync(client, "/v1/events", stopAfter: e => e.Data.GetProperty("runId").GetString() == id && e.Data.GetProperty("state").GetString() == "completed");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow = TestWorkflows.Quick, goal = "seen" }) };
        request.Headers.Add("Idempotency-Key", "seen-run");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(request)).StatusCode);

        var events = await watching;

        Assert.All(events, e => Assert.Equal("run", e.Type));
        Assert.Equal("completed", events[^1].Data.GetProperty("run").GetProperty("state").GetString());
    }
}
