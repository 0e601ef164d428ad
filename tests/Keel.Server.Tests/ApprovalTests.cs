using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

public sealed class ApprovalTests
{
    private static async Task<string> StartReviewAsync(HttpClient client, string goal)
    {
        var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        return id;
    }

    [Fact]
    public async Task Reject_WithoutAReason_Is422OnComment_AndTheRunStillWaits()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");

        var none = await client.PostAsync($"/v1/approvals/{id}/sign_off/reject", null);
        var blank = await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/reject", new { comment = "   " });

        foreach (var response in new[] { none, blank })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await ServerFixture.ReadJsonAsync(response);
            Assert.Contains("a rejection needs a reason", problem.GetProperty("errors").GetProperty("comment")[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("waiting_for_approval", (await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{id}")).GetProperty("run").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Inbox_RunsWaitingAtApproval_ListedWithPromptAndWaitingTime()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var first = await StartReviewAsync(client, "note one");
        var second = await StartReviewAsync(client, "note two");

        var inbox = await client.GetFromJsonAsync<JsonElement>("/v1/approvals");

        var items = inbox.EnumerateArray().ToArray();
        Assert.Equal([first, second], items.Select(i => i.GetProperty("runId").GetString()));
        Assert.All(items, i =>
        {
            Assert.Equal("sign_off", i.GetProperty("stepId").GetString());
            Assert.Equal("Publish this draft?", i.GetProperty("prompt").GetString());
            Assert.True(i.GetProperty("waitingSeconds").GetDouble() >= 0);
            Assert.False(i.TryGetProperty("deadline", out _));
            Assert.Equal("publish", i.GetProperty("onApproved").GetString());
        });
    }

    [Fact]
    public async Task Approve_WithNoBodyAndNoContentType_IsAcceptedAndTheRunCompletes()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = await StartReviewAsync(client, "bare approval");

        var response = await client.PostAsync($"/v1/approvals/{id}/sign_off/approve", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await ServerFixture.WaitForStateAsync(client, id, "completed");
    }

    [Fact]
    public async Task Approve_WithWhoAndWhy_RunCompletesAndTheDecisionIsRecorded()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = await StartReviewAsync(client, "ship it");

        var response = await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada", comment = "reads well" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var detail = await ServerFixture.WaitForStateAsync(client, id, "completed");
        var decision = detail.GetProperty("attempts").EnumerateArray().Single(a => a.GetProperty("stepId").GetString() == "sign_off");
        Assert.Equal("approved", decision.GetProperty("outcome").GetString());
        Assert.Equal("ada", decision.GetProperty("workerName").GetString());
        Assert.Contains("reads well", decision.GetProperty("output").ToString());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/v1/approvals")).EnumerateArray());
        var again = await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Reject_RunFollowsOnRejected()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = await StartReviewAsync(client, "not this");

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/reject", new { by = "bob", comment = "too long" })).StatusCode);

        var detail = await ServerFixture.WaitForStateAsync(client, id, "failed");
        Assert.Contains("rejected by bob", detail.GetProperty("run").GetProperty("error").GetString());
    }

    [Fact]
    public async Task Deadline_Passes_DecisionRecordedByDeadlineAlongTheTimeoutPath()
    {
        await using var fixture = await ServerFixture.StartAsync(o =>
        {
            var inner = o.Configure!;
            o.Configure = orchestrator =>
            {
                inner(orchestrator);
                orchestrator.RegisterWorkflow(TestWorkflows.ReviewWorkflow(TimeSpan.FromMilliseconds(300)));
            };
        });
        using var client = fixture.Client();
        var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "nobody answers" });
        var id = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;

        JsonElement detail;
        try
        {
            detail = await ServerFixture.WaitForStateAsync(client, id, "failed");
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException(string.Join("\n", fixture.Logs.Lines.Where(l => !l.StartsWith("Debug", StringComparison.Ordinal)).TakeLast(30)));
        }

        var decision = detail.GetProperty("attempts").EnumerateArray().Single(a => a.GetProperty("stepId").GetString() == "sign_off");
        Assert.Equal("rejected", decision.GetProperty("outcome").GetString());
        Assert.Equal("deadline", decision.GetProperty("workerName").GetString());
        Assert.Contains("no decision by the deadline", decision.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Decide_UnknownRunOrWrongStep_ProblemNamesIt()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = await StartReviewAsync(client, "x");
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/v1/approvals/nope/sign_off/approve", new { })).StatusCode);
        var wrong = await client.PostAsJsonAsync($"/v1/approvals/{id}/write/approve", new { });
        Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
        Assert.Contains("not waiting for approval at step 'write'", (await ServerFixture.ReadJsonAsync(wrong)).GetProperty("detail").GetString());
    }
}
