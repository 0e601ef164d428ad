using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Keel.Server.Approvals;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

public sealed class RunApiTests
{
    [Fact]
    public async Task StartRun_QuickWorkflow_CompletesWithAttemptsAndUsage()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "a haiku" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await ServerFixture.ReadJsonAsync(response);
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/runs/{id}", response.Headers.Location!.OriginalString);

        var detail = await ServerFixture.WaitForStateAsync(client, id, "completed");
        var attempts = detail.GetProperty("attempts").EnumerateArray().ToArray();
        Assert.Equal(["write", "publish"], attempts.Select(a => a.GetProperty("stepId").GetString()));
        Assert.Equal("draft of a haiku", attempts[0].GetProperty("output").GetProperty("draft").GetString());
        Assert.Equal("succeeded", attempts[1].GetProperty("outcome").GetString());
        Assert.Equal(2, detail.GetProperty("run").GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task StartRun_SameIdempotencyKeyRetried_StartsOneRun()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var tasks = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow = TestWorkflows.Quick, goal = "once" }) };
            request.Headers.Add("Idempotency-Key", "order-42");
            var response = await client.SendAsync(request);
            return (response.StatusCode, Id: (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString());
        });
        var results = await Task.WhenAll(tasks);

        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Contains(results, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        await ServerFixture.WaitForStateAsync(client, results[0].Id!, "completed");
        var page = await client.GetFromJsonAsync<JsonElement>("/v1/runs?workflow=quick");
        Assert.Single(page.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task StartRun_KeyReusedWithOtherBody_Refused422()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        foreach (var (goal, expected) in new[] { ("first", HttpStatusCode.Created), ("second", HttpStatusCode.UnprocessableEntity) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = JsonContent.Create(new { workflow = TestWorkflows.Quick, goal }) };
            request.Headers.Add("Idempotency-Key", "k-1");
            var response = await client.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            if (expected != HttpStatusCode.Created)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
                Assert.Contains("different request", (await ServerFixture.ReadJsonAsync(response)).GetProperty("detail").GetString());
            }
        }
    }

    [Theory]
    [InlineData("{\"goal\":\"x\"}", "workflow", "is required")]
    [InlineData("{\"workflow\":\"nope\"}", "workflow", "no workflow 'nope' is registered")]
    [InlineData("{\"workflow\":\"quick\",\"colour\":1}", "colour", "is not valid here")]
    [InlineData("{\"workflow\":\"quick\",\"data\":{\"keel.file\":1}}", "data.keel.file", "reserved")]
    [InlineData("{\"workflow\":\"quick\",\"data\":{\"_keel.file\":\"/etc/passwd\"}}", "data._keel.file", "reserved")]
    [InlineData("{\"workflow\":\"quick\",\"maxTokens\":\"many\"}", "maxTokens", "is not valid here")]
    [InlineData("{\"workflow\":\"quick\",\"maxCost\":-1}", "maxCost", "must be positive")]
    [InlineData("{\"workflow\":", "workflow", "is not valid here")]
    [InlineData("{\"workflow\":\"quick\",\"WORKFLOW\":\"review\"}", "WORKFLOW", "is not a field of this request (its fields: workflow, goal")]
    [InlineData("{\"workflow\":\"quick\",\"workflow\":\"review\"}", "workflow", "is given twice")]
    [InlineData("{\"workflow\":\"quick\",\"maxTokens\":1.5}", "maxTokens", "must be a whole number")]
    [InlineData("{\"workflow\":\"quick\",\"goal\":7}", "goal", "must be a string")]
    [InlineData("null", "$", "a JSON object is required")]
    public async Task StartRun_BadField_ProblemNamesTheField(string body, string field, string message)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var response = await client.PostAsync("/v1/runs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await ServerFixture.ReadJsonAsync(response);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString());
    }

    [Theory]
    [InlineData("/v1/runs/cancel", "{\"state\":\"bogus\"}", "state", "must be one of: pending, running")]
    [InlineData("/v1/runs/RUN/pause", "{not json", "$", "is not valid JSON")]
    [InlineData("/v1/runs/RUN/resume", "{\"force\":true}", "force", "is not a field of this request")]
    [InlineData("/v1/runs/RUN/pause", "[]", "$", "takes no body")]
    [InlineData("/v1/approvals/RUN/sign_off/approve", "null", "$", "a JSON object is required")]
    [InlineData("/v1/approvals/RUN/sign_off/approve", "{\"extra\":1}", "extra", "is not a field of this request (its fields: by, comment)")]
    public async Task Write_BadBody_Is422NamingTheField_InJsonsWords_AndChangesNothing(string path, string body, string field, string message)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");

        var response = await client.PostAsync(path.Replace("RUN", id, StringComparison.Ordinal), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ServerFixture.ReadJsonAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Keel.", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal("waiting_for_approval", (await ServerFixture.ReadJsonAsync(await client.GetAsync($"/v1/runs/{id}"))).GetProperty("run").GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task StartRun_BodyThatIsNotJson_Refused415AsProblem(string contentType)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var response = await client.PostAsync("/v1/runs", new StringContent("{\"workflow\":\"quick\"}", Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await ServerFixture.ReadJsonAsync(response);
        Assert.Equal("https://keel.dev/problems/unsupported-media-type", problem.GetProperty("type").GetString());
        Assert.Contains($"not '{contentType}", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CancelRun_WithNoBodyAndNoContentType_IsAccepted()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: _ => release.Task);
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "slow" }))).GetProperty("id").GetString();

        // What `curl -X POST .../cancel` sends: no body, no Content-Type.
        var cancel = await client.PostAsync($"/v1/runs/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await ServerFixture.WaitForStateAsync(client, id!, "cancelled");

        // What `curl -d ''` sends: an empty body that claims to be a form. Routed as no body: the run has ended.
        var again = await client.PostAsync($"/v1/runs/{id}/cancel", new StringContent(string.Empty, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("/v1/runs?limit=abc", "limit", "'abc' is not a whole number")]
    [InlineData("/v1/runs?createdAfter=yesterday", "createdAfter", "'yesterday' is not a date and time")]
    [InlineData("/v1/runs/nope/events?after=abc", "after", "'abc' is not a whole number")]
    public async Task Query_ValueThatDoesNotParse_Is422NamingTheField(string path, string field, string message)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await ServerFixture.ReadJsonAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), errors.ToString());
        Assert.Contains(message, messages[0].GetString());
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetRun_StoreFails_Is503StoreFailedWithTheStoresMessage_AndLogged()
    {
        await using var fixture = await ServerFixture.StartAsync(wrapStore: inner => new DamagedReads(inner));
        using var client = fixture.Client();
        var response = await client.GetAsync("/v1/runs/damaged");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await ServerFixture.ReadJsonAsync(response);
        Assert.Equal("https://keel.dev/problems/store-failed", problem.GetProperty("type").GetString());
        Assert.Equal("the run store file '/data/keel.db' is damaged: database disk image is malformed", problem.GetProperty("detail").GetString());
        Assert.Contains(fixture.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("RunStoreDamagedException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAndCancel_DuringAStoreOutage_Are503StoreFailed_NotConflicts()
    {
        OutageStore? store = null;
        await using var fixture = await ServerFixture.StartAsync(wrapStore: inner => store = new OutageStore(inner));
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        store!.Down = true;

        var start = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "during the outage" });
        var cancel = await client.PostAsync($"/v1/runs/{id}/cancel", null);

        foreach (var response in new[] { start, cancel })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await ServerFixture.ReadJsonAsync(response);
            Assert.Equal("https://keel.dev/problems/store-failed", problem.GetProperty("type").GetString());
            Assert.Equal("the database at 127.0.0.1:5432 is unreachable", problem.GetProperty("detail").GetString());
        }

        store.Down = false;
        var later = await client.PostAsync($"/v1/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
    }

    [Fact]
    public async Task DeadlineSweep_WhileTheStoreFails_BacksOff_InsteadOfRetryingInATightLoop()
    {
        FailingApprovalListing? store = null;
        await using var fixture = await ServerFixture.StartAsync(wrapStore: inner => store = new FailingApprovalListing(inner));

        // The sweep runs every 100 ms; failing, it waits 100, 200, 400, 800 ms... A tight loop would make thousands of calls.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (store!.Calls < 2)
        {
            await Task.Delay(20, timeout.Token);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
        Assert.InRange(store.Calls, 2, 12);
        Assert.Equal(TimeSpan.FromMilliseconds(100), DeadlineSweeper.RetryDelay(TimeSpan.FromMilliseconds(100), 0));
        Assert.Equal(TimeSpan.FromMilliseconds(400), DeadlineSweeper.RetryDelay(TimeSpan.FromMilliseconds(100), 3));
        Assert.Equal(DeadlineSweeper.MaxRetryDelay, DeadlineSweeper.RetryDelay(TimeSpan.FromSeconds(1), 40));
    }

    /// <summary>A store whose listing of waiting runs (what the deadline sweep reads) fails, counting the calls.</summary>
    private sealed class FailingApprovalListing(IRunStore inner) : DelegatingRunStore(inner)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
        {
            if (query.State != WorkflowState.WaitingForApproval)
            {
                return base.ListRunsAsync(query, cancellationToken);
            }

            Interlocked.Increment(ref _calls);
            throw new RunStoreException("127.0.0.1:5432", "the database at 127.0.0.1:5432 is unreachable");
        }
    }

    private sealed class OutageStore(IRunStore inner) : DelegatingRunStore(inner)
    {
        public volatile bool Down;

        public override ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
            => Down ? throw Failure() : base.CreateRunAsync(run, history, cancellationToken);

        public override ValueTask<bool> RequestAsync(RunRequest request, CancellationToken cancellationToken)
            => Down ? throw Failure() : base.RequestAsync(request, cancellationToken);

        private static RunStoreException Failure() => new("127.0.0.1:5432", "the database at 127.0.0.1:5432 is unreachable");
    }

    private sealed class DamagedReads(IRunStore inner) : DelegatingRunStore(inner)
    {
        public override ValueTask<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
            => runId == "damaged"
                ? throw new RunStoreDamagedException("/data/keel.db", "the run store file '/data/keel.db' is damaged: database disk image is malformed")
                : base.GetRunAsync(runId, cancellationToken);
    }

    [Fact]
    public async Task AnyRequest_BodyOverTheLimit_Refused413AsProblem()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.MaxRequestBodyBytes = 4096);
        using var client = fixture.Client();
        var body = JsonSerializer.Serialize(new { workflow = "quick", goal = new string('x', 10_000) });
        var response = await client.PostAsync("/v1/runs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task UnknownRunAndRoute_404AsProblem()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        foreach (var path in new[] { "/v1/runs/nope", "/v1/nothing-here" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Theory]
    [InlineData("DELETE", "/v1/runs/some-run", "GET")]
    [InlineData("PUT", "/v1/runs", "GET, POST")]
    [InlineData("GET", "/v1/runs/some-run/cancel", "POST")]
    [InlineData("PATCH", "/v1/runs/some-run/steps/3/rerun", "POST")]
    public async Task KnownRoute_WrongMethod_Is405WithAllow_AsProblem(string method, string path, string allow)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/v1/nothing-here"))).StatusCode);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public async Task Rerun_AStepNumberThatIsNotOne_Is404NamingTheRoute_NotA405(string sequence)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();

        using var response = await client.PostAsync($"/v1/runs/some-run/steps/{sequence}/rerun", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("a part of the path is not of the form its route takes (/v1/runs/{id}/steps/{sequence:int}/rerun)", (await ServerFixture.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRuns_PagedByCursor_EveryRunOnceNewestFirst()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var started = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = $"run {i}" });
            started.Add((await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>("/v1/runs?limit=3" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(started.Order(), seen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        var bad = await client.GetAsync("/v1/runs?cursor=%%%&state=sleeping&limit=0");
        var errors = (await ServerFixture.ReadJsonAsync(bad)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("cursor", out _) && errors.TryGetProperty("state", out _) && errors.TryGetProperty("limit", out _), errors.ToString());
    }

    [Fact]
    public async Task CancelRun_WhileItsWorkerWorks_EndsCancelledWithWhoAndWhy()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: _ => release.Task);
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "slow" }))).GetProperty("id").GetString();

        var cancel = await client.PostAsJsonAsync($"/v1/runs/{id}/cancel", new { reason = "changed my mind" });

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var detail = await ServerFixture.WaitForStateAsync(client, id!, "cancelled");
        var last = detail.GetProperty("attempts").EnumerateArray().Last();
        Assert.Equal("cancelled", last.GetProperty("outcome").GetString());
        Assert.Equal("changed my mind", last.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/v1/runs/{id}/cancel", new { })).StatusCode);
    }

    [Fact]
    public async Task BulkCancel_ByWorkflow_CancelsOnlyUnfinishedRunsOfIt()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: goal => goal.StartsWith("hold", StringComparison.Ordinal) ? release.Task : Task.CompletedTask);
        using var client = fixture.Client();
        var done = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "fast" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, done, "completed");
        var held = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "hold " + i }))).GetProperty("id").GetString()!);
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync("/v1/runs/cancel", new { })).StatusCode);
        var response = await client.PostAsJsonAsync("/v1/runs/cancel", new { workflow = TestWorkflows.Quick, reason = "maintenance" });

        var result = await ServerFixture.ReadJsonAsync(response);
        Assert.Equal(held.Order(), result.GetProperty("cancelled").EnumerateArray().Select(e => e.GetString()!).Order());
        foreach (var id in held)
        {
            await ServerFixture.WaitForStateAsync(client, id, "cancelled");
        }

        Assert.Equal("completed", (await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{done}")).GetProperty("run").GetProperty("state").GetString());
    }

    [Fact]
    public async Task ForkRun_AtTheFirstAttemptWithEditedData_NewRunLinkedToItsParent()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var parent = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "origin" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, parent, "completed");

        var response = await client.PostAsJsonAsync($"/v1/runs/{parent}/fork", new { sequence = 1, data = new { tone = "dry" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var fork = await ServerFixture.ReadJsonAsync(response);
        Assert.Equal(parent, fork.GetProperty("parentRunId").GetString());
        var detail = await ServerFixture.WaitForStateAsync(client, fork.GetProperty("id").GetString()!, "completed");
        Assert.Equal("dry", detail.GetProperty("data").GetProperty("tone").GetString());
        var parentDetail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{parent}");
        Assert.Contains(parentDetail.GetProperty("children").EnumerateArray(), c => c.GetProperty("id").GetString() == fork.GetProperty("id").GetString());
        var bad = await client.PostAsJsonAsync($"/v1/runs/{parent}/fork", new { sequence = 9 });
        Assert.True((await ServerFixture.ReadJsonAsync(bad)).GetProperty("errors").TryGetProperty("sequence", out _));
    }

    [Fact]
    public async Task GetRun_ListsASubWorkflowsChildRun_OfAnotherWorkflow_AmongItsChildren()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.Configure = orchestrator =>
        {
            TestWorkflows.Register(orchestrator);
            var nest = new WorkflowDefinition("nest", goal: "g");
            nest.AddStep(WorkflowStep.Child("inner", TestWorkflows.Quick), isInitial: true);
            orchestrator.RegisterWorkflow(nest);
        });
        using var client = fixture.Client();
        var parent = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = "nest" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, parent, "completed");

        var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{parent}");

        var child = Assert.Single(detail.GetProperty("children").EnumerateArray());
        Assert.Equal($"{parent}:inner:1:1", child.GetProperty("id").GetString());
        Assert.Equal(TestWorkflows.Quick, child.GetProperty("workflow").GetString());
    }

    [Fact]
    public async Task PauseRun_WhileItsAttemptRuns_PausedAfterItThenResumedToTheEnd()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: _ => release.Task);
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "pause me" }))).GetProperty("id").GetString()!;

        var pause = await client.PostAsJsonAsync($"/v1/runs/{id}/pause", new { });
        Assert.Equal(HttpStatusCode.Accepted, pause.StatusCode);
        release.SetResult();
        var paused = await ServerFixture.WaitForStateAsync(client, id, "paused");

        // The attempt in flight (if the pause found one) finished and was recorded; nothing ran after it.
        Assert.DoesNotContain(paused.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("stepId").GetString() == "publish");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/v1/runs/{id}/pause", new { })).StatusCode);
        var resume = await client.PostAsJsonAsync($"/v1/runs/{id}/resume", new { });
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var done = await ServerFixture.WaitForStateAsync(client, id, "completed");
        Assert.Equal(["write", "publish"], done.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/v1/runs/{id}/pause", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/v1/runs/nope/pause", new { })).StatusCode);
    }

    [Fact]
    public async Task ResumeRun_Interrupted_OnAServerWithoutWorkerLoop_IsLeftToAKeelWorker_NotDrivenHere()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(o => o.RunWorkerLoop = false);
        using var client = fixture.Client();

        // A run interrupted in another process: its drive cancelled mid-attempt, the lease given back.
        var other = new Orchestrator(new OrchestratorOptions { RunStore = fixture.Sqlite });
        TestWorkflows.Register(other, _ => release.Task);
        using (var stop = new CancellationTokenSource())
        {
            var handle = await other.StartAsync(TestWorkflows.Quick, "interrupted", new ExecuteOptions(), CancellationToken.None);
            var driving = other.ResumeAsync(handle.RunId, null, stop.Token);
            await ServerFixture.WaitForStateAsync(client, handle.RunId, "running");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => driving);

            var first = await client.PostAsync($"/v1/runs/{handle.RunId}/resume", null);
            var second = await client.PostAsync($"/v1/runs/{handle.RunId}/resume", null);

            foreach (var response in new[] { first, second })
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                Assert.StartsWith("left to a worker", (await ServerFixture.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            // Nothing here drove it: a worker loop on the store (as keel worker runs) takes it over and completes it.
            var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{handle.RunId}");
            Assert.Empty(detail.GetProperty("attempts").EnumerateArray());
            release.SetResult();
            var worker = new Orchestrator(new OrchestratorOptions { RunStore = fixture.Sqlite });
            TestWorkflows.Register(worker);
            await worker.RunWorkerLoopAsync(new WorkerLoopOptions { StopWhenIdle = true }, CancellationToken.None);
            await ServerFixture.WaitForStateAsync(client, handle.RunId, "completed");
        }
    }

    [Fact]
    public async Task PauseRun_WaitingForApproval_Conflict()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");

        var response = await client.PostAsJsonAsync($"/v1/runs/{id}/pause", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("waiting", (await ServerFixture.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RerunStep_FirstAttempt_NewLinkedRunRunsItAloneAndStops()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var parent = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "origin" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, parent, "completed");

        var response = await client.PostAsJsonAsync($"/v1/runs/{parent}/steps/0/rerun", new { data = new { tone = "dry" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rerun = await ServerFixture.ReadJsonAsync(response);
        Assert.Equal(parent, rerun.GetProperty("parentRunId").GetString());
        Assert.Equal(0, rerun.GetProperty("parentSequence").GetInt32());
        var detail = await ServerFixture.WaitForStateAsync(client, rerun.GetProperty("id").GetString()!, "completed", "failed");
        Assert.Equal("completed", detail.GetProperty("run").GetProperty("state").GetString());
        var attempt = Assert.Single(detail.GetProperty("attempts").EnumerateArray());
        Assert.Equal("write", attempt.GetProperty("stepId").GetString());
        Assert.Equal("complete", attempt.GetProperty("nextStep").GetString());
        Assert.Equal("dry", detail.GetProperty("data").GetProperty("tone").GetString());
        Assert.False(detail.GetProperty("data").TryGetProperty("keel.step_only", out _));
        var parentDetail = await client.GetFromJsonAsync<JsonElement>($"/v1/runs/{parent}");
        Assert.Equal(2, parentDetail.GetProperty("attempts").GetArrayLength());
        Assert.Contains(parentDetail.GetProperty("children").EnumerateArray(), c => c.GetProperty("id").GetString() == rerun.GetProperty("id").GetString());
    }

    [Fact]
    public async Task RerunStep_BadSequenceOrApprovalStep_ProblemNamingIt()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { by = "ada" })).StatusCode);
        await ServerFixture.WaitForStateAsync(client, id, "completed");

        var outOfRange = await client.PostAsJsonAsync($"/v1/runs/{id}/steps/7/rerun", new { });
        var approval = await client.PostAsJsonAsync($"/v1/runs/{id}/steps/1/rerun", new { });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, outOfRange.StatusCode);
        Assert.True((await ServerFixture.ReadJsonAsync(outOfRange)).GetProperty("errors").TryGetProperty("sequence", out _));
        Assert.Equal(HttpStatusCode.Conflict, approval.StatusCode);
        Assert.Contains("sign_off", (await ServerFixture.ReadJsonAsync(approval)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/v1/runs/nope/steps/0/rerun", new { })).StatusCode);
    }

    [Fact]
    public async Task Usage_GroupedByStepAndWorker_SumsAttempts()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        for (var i = 0; i < 2; i++)
        {
            var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "u" + i }))).GetProperty("id").GetString()!;
            await ServerFixture.WaitForStateAsync(client, id, "completed");
        }

        var byStep = await client.GetFromJsonAsync<JsonElement>("/v1/usage?groupBy=step");
        var write = byStep.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == "quick/write");
        Assert.Equal(2, write.GetProperty("attempts").GetInt32());
        Assert.Equal(2, write.GetProperty("runs").GetInt32());
        var byWorker = await client.GetFromJsonAsync<JsonElement>("/v1/usage?groupBy=worker");
        Assert.Contains(byWorker.GetProperty("rows").EnumerateArray(), r => r.GetProperty("key").GetString() == "Publisher");
        var bad = await client.GetAsync("/v1/usage?groupBy=colour");
        Assert.True((await ServerFixture.ReadJsonAsync(bad)).GetProperty("errors").TryGetProperty("groupBy", out _));
    }

    [Fact]
    public async Task Registry_ListsWorkersAndWorkflows()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var workers = await client.GetFromJsonAsync<JsonElement>("/v1/workers");
        Assert.Equal(["publisher", "writer"], workers.EnumerateArray().Select(w => w.GetProperty("workerType").GetString()));
        var workflows = await client.GetFromJsonAsync<JsonElement>("/v1/workflows");
        Assert.Equal(["quick", "review"], workflows.EnumerateArray().Select(w => w.GetProperty("name").GetString()));
        Assert.Equal(64, workflows[0].GetProperty("hash").GetString()!.Length);
    }
}
