using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary>
/// <c>keel serve</c> as a process: runs started over HTTP are stored pending and driven by a worker loop, the
/// server's own or, with <c>--no-worker</c>, a separate <c>keel worker</c> process on the same store.
/// </summary>
public sealed class ServeCommandTests : IDisposable
{
    private const string Workflow = "handoff.yaml";
    private static readonly string[] Steps = ["spec", "page"];
    private readonly TempFolder _folder = new();

    public ServeCommandTests() => _folder.Write(Workflow, KeelServiceProcess.HandoffWorkflow);

    [Fact]
    public async Task Serve_NoWorkerThenAKeelWorker_TheWorkerCompletesTheRunStartedOverHttp()
    {
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--no-worker", "--store", "keel.db", "--workflow", Workflow);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            Assert.Contains("worker loop off", serve.Output, StringComparison.Ordinal);
            var started = await client.PostAsJsonAsync("/v1/runs", new { workflow = "handoff" });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            // Stored pending: nothing in the serving process drives it.
            Assert.Equal("pending", await StateAsync(client, id));

            await using var worker = KeelServiceProcess.Start(_folder.Path, "worker", Workflow, "--store", "keel.db");
            var detail = await WaitForEndAsync(client, id, worker);

            Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
            Assert.Equal(Steps, detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        }
    }

    [Fact]
    public async Task Serve_PlansAreTheStoresPlans_ThoseOfKeelPlan_AndItsOwnSurviveARestart()
    {
        var planned = await KeelProcess.RunAsync(_folder.Path, "plan", "--goal", "A website for a bakery", "--store", "keel.db", "--json");
        Assert.True(planned.ExitCode == 0, planned.ToString());
        var cliHash = System.Text.Json.JsonDocument.Parse(planned.Out).RootElement.GetProperty("hash").GetString()!;
        var website = Path.Combine(KeelProcess.Examples, "build-website.yaml");
        string serverHash;
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--store", "keel.db", "--workflow", website);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            var listed = await client.GetFromJsonAsync<JsonElement>("/v1/plans");
            Assert.Contains(cliHash, listed.EnumerateArray().Select(p => p.GetProperty("hash").GetString()));
            var made = await client.PostAsJsonAsync("/v1/plans", new { goal = "A landing page for a library" });
            Assert.True(made.IsSuccessStatusCode, await made.Content.ReadAsStringAsync());
            serverHash = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hash").GetString()!;
        }

        var plans = await KeelProcess.RunAsync(_folder.Path, "plans", "--store", "keel.db");
        Assert.Contains(serverHash[..12], plans.Out, StringComparison.Ordinal);
        var (again, againAddress) = await KeelServiceProcess.ServeAsync(_folder.Path, "--store", "keel.db", "--workflow", website);
        await using (again)
        {
            using var client = new HttpClient { BaseAddress = againAddress };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/plans/{serverHash}")).StatusCode);
        }
    }

    [Fact]
    public async Task Serve_WithItsWorkerLoop_CompletesTheRunStartedOverHttpAlone()
    {
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--store", "keel.db", "--workflow", Workflow);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            Assert.Contains("worker loop on", serve.Output, StringComparison.Ordinal);
            var started = await client.PostAsJsonAsync("/v1/runs", new { workflow = "handoff" });
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            var detail = await WaitForEndAsync(client, id, serve);

            Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
            Assert.Equal(Steps, detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        }
    }

    [Fact]
    public async Task Serve_AWorkflowWithASubWorkflowStep_LoadsTheChildFromBesideIt_AndCompletesTheRun()
    {
        var release = Path.Combine(KeelProcess.Examples, "release.yaml");
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--store", "keel.db", "--workflow", release);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            var started = await client.PostAsJsonAsync("/v1/runs", new { workflow = "release" });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            var detail = await WaitForEndAsync(client, id, serve);

            Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
            Assert.Equal(["plan", "build", "ship"], detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        }
    }

    [Fact]
    public async Task Worker_AWorkflowWithASubWorkflowStep_LoadsTheChildFromBesideIt_AndCompletesTheRun()
    {
        var release = Path.Combine(KeelProcess.Examples, "release.yaml");
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--no-worker", "--store", "keel.db", "--workflow", release);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            var started = await client.PostAsJsonAsync("/v1/runs", new { workflow = "release" });
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            await using var worker = KeelServiceProcess.Start(_folder.Path, "worker", release, "--store", "keel.db");
            var detail = await WaitForEndAsync(client, id, worker);

            Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
            Assert.Contains("'checked-build'", worker.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Approve_FromTheCli_OnARunKeelServeStarted_RecordsTheDecision_AndServesWorkerLoopFinishesIt()
    {
        var approval = Path.Combine(KeelProcess.Examples, "approval.yaml");
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder.Path, "--store", "keel.db", "--workflow", approval);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            var started = await client.PostAsJsonAsync("/v1/runs", new { workflow = "release-with-approval" });
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
            {
                while (await StateAsync(client, id) != "waiting_for_approval")
                {
                    await Task.Delay(100, timeout.Token);
                }
            }

            // No workflow file is recorded with a run started over HTTP: resume cannot rebuild its workers and says why.
            var resume = await KeelProcess.RunAsync(_folder.Path, "resume", id, "--store", "keel.db");
            Assert.True(resume.ExitCode == 2, resume.ToString());
            Assert.Contains("was started by keel serve or another host", resume.Error, StringComparison.Ordinal);

            var approve = await KeelProcess.RunAsync(_folder.Path, "approve", id[..8], "sign_off", "--by", "ana", "--store", "keel.db", "--json");

            Assert.True(approve.ExitCode == 0, approve.ToString());
            using var result = JsonDocument.Parse(approve.Out);
            Assert.Equal("approved", result.RootElement.GetProperty("decision").GetString());
            Assert.True(result.RootElement.GetProperty("left_to_workers").GetBoolean());
            var detail = await WaitForEndAsync(client, id, serve);
            Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
            Assert.Equal(["draft", "sign_off", "publish"], detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        }
    }

    private static async Task<string?> StateAsync(HttpClient client, string id)
        => (await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{id}")).GetProperty("run").GetProperty("state").GetString();

    private static async Task<JsonElement> WaitForEndAsync(HttpClient client, string id, KeelServiceProcess driver)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{id}", timeout.Token);
            if (detail.GetProperty("run").GetProperty("state").GetString() is "completed" or "failed" or "cancelled")
            {
                return detail;
            }

            Assert.False(driver.HasExited, $"keel {driver.Arguments} exited:\n{driver.Output}");
            await Task.Delay(100, timeout.Token);
        }
    }

    public void Dispose() => _folder.Dispose();
}
