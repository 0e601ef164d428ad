using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

public sealed class PlanApiTests
{
    private static void SeedWorkers(Orchestrator orchestrator)
    {
        foreach (var type in new[] { WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer })
        {
            orchestrator.RegisterWorker(WorkerDefinition.FromFunction(type, type.Value, (input, context) => new { by = type.Value }, "does " + type.Value));
        }
    }

    [Fact]
    public async Task Plan_FromAGoal_FrozenDryRunApprovedAndRun()
    {
        await using var fixture = await ServerFixture.StartAsync(o =>
        {
            var inner = o.Configure!;
            o.Configure = orchestrator => { inner(orchestrator); SeedWorkers(orchestrator); };
        });
        using var client = fixture.Client();

        var response = await client.PostAsJsonAsync("/v1/plans", new { goal = "Build a Website" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var plan = await ServerFixture.ReadJsonAsync(response);
        var hash = plan.GetProperty("hash").GetString()!;
        var workflow = plan.GetProperty("workflow").GetString()!;
        Assert.Contains("flowchart", plan.GetProperty("mermaid").GetString());
        var dry = await ServerFixture.ReadJsonAsync(await client.PostAsync($"/v1/plans/{hash}/dry-run", null));
        Assert.Equal("completed", dry.GetProperty("state").GetString());
        var approved = await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync($"/v1/plans/{hash}/approve", new { by = "ada" }));
        Assert.Equal("ada", approved.GetProperty("approvedBy").GetString());

        var run = await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow, definitionHash = hash }));
        Assert.True(run.TryGetProperty("definitionHash", out var pinned), run.ToString());
        Assert.Equal(hash, pinned.GetString());
        await ServerFixture.WaitForStateAsync(client, run.GetProperty("id").GetString()!, "completed");
        Assert.Contains((await client.GetFromJsonAsync<JsonElement>("/v1/plans")).EnumerateArray(), p => p.GetProperty("hash").GetString() == hash);
    }

    [Fact]
    public async Task Plan_NoGoal_ProblemNamesTheField()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var response = await client.PostAsJsonAsync("/v1/plans", new { goal = " " });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await ServerFixture.ReadJsonAsync(response)).GetProperty("errors").TryGetProperty("goal", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v1/plans/abc/dry-run", null)).StatusCode);
    }
}
