using System.Net.Http.Json;
using Keel.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keel.Server.Tests;

/// <summary>
/// The dashboard driven as a person would, in Debian's headless Chromium: start a run, watch it reach its
/// approval step, approve it in the inbox, see it complete. Screenshots go under the test output.
/// </summary>
public sealed class DashboardTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task Dashboard_StartRunApproveInInbox_RunCompletes()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await InBrowserAsync(fixture, "failure.png", page => DriveAsync(fixture, page));
    }

    [Fact]
    public async Task Dashboard_PauseResumeAndRerunButtons_RunPausesAfterItsAttemptCompletesAndOneStepReruns()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: _ => release.Task);
        await InBrowserAsync(fixture, "pause-failure.png", async page =>
        {
            using var client = fixture.Client();
            var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "pause from the dashboard" });
            var runId = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{runId}").ToString());
            await page.Locator("h1 [data-state]").WaitForAsync();

            await page.Locator("button.pause").ClickAsync();
            await page.Locator("#toast", new PageLocatorOptions { HasText = "Pause requested" }).WaitForAsync();
            release.SetResult();
            await page.Locator("h1 [data-state=paused]").WaitForAsync();
            Assert.True(await page.Locator("button.pause").IsDisabledAsync());
            Assert.Equal(0, await page.Locator("details.attempt", new PageLocatorOptions { HasText = "#1 publish" }).CountAsync());
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "run-paused.png"), FullPage = true });

            await page.Locator("button.resume").ClickAsync();
            await page.Locator("h1 [data-state=completed]").WaitForAsync();
            Assert.Equal(2, await page.Locator("details.attempt").CountAsync());

            // Re-run the first step alone: a new run, linked to this one, with that one attempt.
            var first = page.Locator("details.attempt[data-sequence='0']");
            await first.Locator("summary").ClickAsync();
            await first.Locator("button.rerun").ClickAsync();
            await page.Locator(".lineage", new PageLocatorOptions { HasText = "Forked from " + runId }).WaitForAsync();
            await page.Locator("h1 [data-state=completed]").WaitForAsync();
            Assert.Equal(1, await page.Locator("details.attempt").CountAsync());
            Assert.Contains("write", await page.Locator("details.attempt[data-sequence='0'] summary").InnerTextAsync());
        });
    }

    [Fact]
    public async Task Dashboard_ALongAttempt_IsShownRunningWhileItRuns_ThenAsItsRecord()
    {
        var release = new TaskCompletionSource();
        await using var fixture = await ServerFixture.StartAsync(gate: _ => release.Task);
        await InBrowserAsync(fixture, "in-flight-failure.png", async page =>
        {
            using var client = fixture.Client();
            var response = await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "a long first step" });
            var runId = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{runId}").ToString());

            // The worker holds its attempt: past AttemptStartCommitDelay its start is committed and streamed.
            var inFlight = page.Locator(".in-flight[data-step=write]");
            await inFlight.WaitForAsync();
            Assert.Contains("write · Writer · attempt 1 · running for", await inFlight.InnerTextAsync(), StringComparison.Ordinal);
            await page.Locator("h1 [data-state=running]").WaitForAsync();
            Assert.Equal(1, await page.Locator("#timeline .tl-running").CountAsync());
            Assert.Equal(0, await page.Locator("details.attempt").CountAsync());
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "run-in-flight.png"), FullPage = true });

            release.SetResult();
            await page.Locator("h1 [data-state=completed]").WaitForAsync();
            Assert.Equal(2, await page.Locator("details.attempt").CountAsync());
            Assert.Equal(0, await page.Locator(".in-flight").CountAsync());
            Assert.Equal(0, await page.Locator("#timeline .tl-running").CountAsync());
        });
    }

    [Fact]
    public async Task Dashboard_RunsList_ShowsOnePageOfFifty_TheLiveStreamAddsOnlyNewRuns_LoadMoreTheRest()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = $"run {i}" })).StatusCode);
        }

        await InBrowserAsync(fixture, "paging-failure.png", async page =>
        {
            var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    errors.Enqueue(message.Text);
                }
            };
            await page.GotoAsync(fixture.BaseAddress.ToString());
            await page.Locator("table.runs tbody tr").Nth(49).WaitForAsync();

            // A run started now reaches the list through the live stream, after the stream's snapshot of the
            // newest 500 runs: once it is there, the snapshot has been applied, and it added none of the older ten.
            await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "the newest" });
            await page.Locator("table.runs tbody tr", new PageLocatorOptions { HasText = "the newest" }).WaitForAsync();
            Assert.Equal(51, await page.Locator("table.runs tbody tr").CountAsync());

            await page.Locator("button", new PageLocatorOptions { HasText = "Load more" }).ClickAsync();
            await page.Locator("table.runs tbody tr").Nth(60).WaitForAsync();
            Assert.Equal(61, await page.Locator("table.runs tbody tr").CountAsync());
            Assert.Empty(errors);
        });
    }

    [Fact]
    public async Task Dashboard_ARunWithAParallelStep_IsShownWithItsGraph_AndATypedApprovalCommentSurvivesALiveEvent()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.Configure = orchestrator =>
        {
            TestWorkflows.Register(orchestrator);
            var fan = new WorkflowDefinition("fan", goal: "g");
            fan.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", TestWorkflows.Writer), new Branch("b", TestWorkflows.Publisher)]), isInitial: true);
            orchestrator.RegisterWorkflow(fan);
            var nest = new WorkflowDefinition("nest", goal: "g");
            nest.AddStep(WorkflowStep.Child("inner", TestWorkflows.Quick), isInitial: true);
            orchestrator.RegisterWorkflow(nest);
        });
        using var client = fixture.Client();
        var fanId = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = "fan" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, fanId, "completed");
        var waitingId = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "keep my comment" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, waitingId, "waiting_for_approval");

        await InBrowserAsync(fixture, "parallel-failure.png", async page =>
        {
            // Its branch-to-join edges have no label: the graph must still be drawn, with the rest of the page.
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{fanId}").ToString());
            await page.Locator("#graph svg").WaitForAsync();
            await page.Locator("h1 [data-state=completed]").WaitForAsync();

            // A sub-workflow's child run is named a child of its parent, not a fork, and the parent links to it.
            var nestId = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = "nest" }))).GetProperty("id").GetString()!;
            await ServerFixture.WaitForStateAsync(client, nestId, "completed");
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{nestId}:inner:1:1").ToString());
            await page.Locator(".lineage", new PageLocatorOptions { HasText = "Child run of " + nestId }).WaitForAsync();
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{nestId}").ToString());
            await page.Locator("a.child-run").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
            Assert.Equal($"{nestId}:inner:1:1", await page.Locator("a.child-run").TextContentAsync());

            await page.GotoAsync(new Uri(fixture.BaseAddress, "/#/approvals").ToString());
            var comment = page.Locator($"article.approval[data-run='{waitingId}'] input.comment");
            await comment.FillAsync("reads well");

            // Another run moving re-renders the inbox: the comment being typed stays.
            var other = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "moves" }))).GetProperty("id").GetString()!;
            await ServerFixture.WaitForStateAsync(client, other, "completed");
            await page.WaitForTimeoutAsync(1000);
            Assert.Equal("reads well", await comment.InputValueAsync());
        });
    }

    [Fact]
    public async Task Dashboard_LiveEvents_KeepAnOpenedAttemptOpen_AndTheApprovalsBadgeCounts_AWrongKeyIsNamedWrong()
    {
        const string Secret = "operator-secret-0123456789";
        await using var fixture = await ServerFixture.StartAsync(o =>
        {
            o.ApiKeys.Add(new ApiKey("ops", Secret, ApiKeyScope.Operator));
            o.RequireApiKeyOnLoopback = true;
        });
        using var client = fixture.Client();
        client.DefaultRequestHeaders.Add("X-Api-Key", Secret);
        var runId = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "stay open" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, runId, "waiting_for_approval");

        await InBrowserAsync(fixture, "live-failure.png", async page =>
        {
            await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{runId}").ToString());
            await page.Locator("p.error", new PageLocatorOptions { HasText = "needs an API key" }).WaitForAsync();
            await page.Locator("#api-key").FillAsync("not-the-key");
            await page.Locator("#api-key").DispatchEventAsync("change");
            await page.Locator("p.error", new PageLocatorOptions { HasText = "does not accept the API key" }).WaitForAsync();

            await page.Locator("#api-key").FillAsync(Secret);
            await page.Locator("#api-key").DispatchEventAsync("change");
            await page.Locator("h1 [data-state=waiting_for_approval]").WaitForAsync();
            await page.ReloadAsync();
            await page.Locator("h1 [data-state=waiting_for_approval]").WaitForAsync();
            await page.Locator("#inbox-count", new PageLocatorOptions { HasText = "1" }).WaitForAsync();
            var first = page.Locator("details.attempt[data-sequence='0']");
            await first.Locator("summary").ClickAsync();

            // Decided elsewhere: the run moves on live, the opened attempt stays open, the badge empties.
            Assert.True((await client.PostAsJsonAsync($"/v1/approvals/{runId}/sign_off/approve", new { by = "ada" })).IsSuccessStatusCode);
            await page.Locator("h1 [data-state=completed]").WaitForAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('inbox-count').textContent === ''");
            Assert.NotNull(await first.GetAttributeAsync("open"));
            Assert.Equal(3, await page.Locator("details.attempt").CountAsync());
        });
    }

    [Fact]
    public async Task Dashboard_IsServedFromTheAssembly_WithNoFilesBesideIt_AndAFolderGivenReplacesIt()
    {
        await using (var fixture = await ServerFixture.StartAsync())
        {
            using var client = fixture.Client();
            var page = await client.GetStringAsync("/");
            var script = System.Text.RegularExpressions.Regex.Match(page, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
            Assert.NotEmpty(script);
            using var asset = await client.GetAsync(script);
            Assert.True(asset.IsSuccessStatusCode, script);
            Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
            Assert.Equal(page, await client.GetStringAsync("/runs/some/page"));
        }

        var folder = Directory.CreateTempSubdirectory("keel-webroot-").FullName;
        File.WriteAllText(Path.Combine(folder, "index.html"), "<p>my own dashboard</p>");
        await using var own = await ServerFixture.StartAsync(o => o.WebRoot = folder);
        using var ownClient = own.Client();
        Assert.Contains("my own dashboard", await ownClient.GetStringAsync("/"), StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Opens Debian's Chromium on a fresh page and runs <paramref name="drive"/>; a failure saves a screenshot and the browser console.</summary>
    private static async Task InBrowserAsync(ServerFixture fixture, string failureShot, Func<IPage, Task> drive)
    {
        Assert.True(File.Exists(Chromium), $"This test drives Debian's chromium at {Chromium}, which is not installed: apt-get install chromium (.ci/run installs it).");
        Assert.True(typeof(KeelServer).Assembly.GetManifestResourceInfo("Keel.Server.wwwroot.index.html") is not null, "The dashboard was not built into Keel.Server: the build needs Node.js and npm (.ci/run installs them).");
        Directory.CreateDirectory(ScreenshotFolder);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Args = ChromiumArgs, Headless = true });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(30_000);
        var console = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Enqueue("page error: " + error);
        try
        {
            await drive(page);
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, failureShot), FullPage = true });
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nBrowser console:\n{string.Join("\n", console)}");
        }
    }

    private static async Task DriveAsync(ServerFixture fixture, IPage page)
    {
        await page.GotoAsync(fixture.BaseAddress.ToString());
        await page.Locator("#start-run select[name=workflow]").SelectOptionAsync(TestWorkflows.Review);
        await page.Locator("#start-run input[name=goal]").FillAsync("Release notes for 2.0");
        await page.Locator("#start-run button[type=submit]").ClickAsync();

        // The dashboard routes by the URL's hash, a same-document change with no load event to wait for.
        await page.WaitForFunctionAsync("() => /^#\\/runs\\/[0-9a-f]+$/.test(location.hash)");
        var runId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await page.Locator("h1 [data-state=waiting_for_approval]").WaitForAsync();
        await page.Locator("#graph svg").WaitForAsync();
        await page.Locator("#timeline .tl-waiting").First.WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "run-waiting.png"), FullPage = true });

        await page.Locator("a[data-nav=approvals]").ClickAsync();
        var approval = page.Locator($"article.approval[data-run='{runId}']");
        await approval.WaitForAsync();
        Assert.Contains("Publish this draft?", await approval.Locator(".prompt").InnerTextAsync());
        await page.Locator("#decider").FillAsync("ada");
        await approval.Locator("input.comment").FillAsync("reads well");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "approvals.png"), FullPage = true });
        await approval.Locator("button.approve").ClickAsync();
        await page.Locator(".inbox .empty").WaitForAsync();

        await page.GotoAsync(new Uri(fixture.BaseAddress, $"/#/runs/{runId}").ToString());
        await page.Locator("h1 [data-state=completed]").WaitForAsync();
        Assert.Equal(3, await page.Locator("details.attempt").CountAsync());
        Assert.Contains("ada", await page.Locator("details.attempt[data-sequence='1'] summary").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "run-completed.png"), FullPage = true });

        await page.GotoAsync(fixture.BaseAddress.ToString());
        await page.Locator($"tr[data-run='{runId}'] [data-state=completed]").WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "runs.png") });
    }
}
