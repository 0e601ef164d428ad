using System.Net;
using System.Net.Http.Json;
using Keel.Server.Security;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

public sealed class SecurityTests
{
    private const string OperatorSecret = "op-secret-0123456789abcdef";
    private const string ReaderSecret = "read-secret-0123456789abcdef";

    private static Task<ServerFixture> StartWithKeysAsync(bool onLoopback = true)
        => ServerFixture.StartAsync(o =>
        {
            o.ApiKeys.Add(new ApiKey("ops", OperatorSecret, ApiKeyScope.Operator));
            o.ApiKeys.Add(new ApiKey("viewer", ReaderSecret, ApiKeyScope.ReadOnly));
            o.RequireApiKeyOnLoopback = onLoopback;
            if (!onLoopback)
            {
                o.Urls.Clear();
                o.Urls.Add("http://0.0.0.0:0");
            }
        });

    [Fact]
    public async Task Loopback_NoKeysConfigured_CallsNeedNoKey()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        Assert.False(fixture.Server.KeysRequired);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/runs")).StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example", null, "text/plain")]
    [InlineData(null, "cross-site", "application/x-www-form-urlencoded")]
    [InlineData("http://127.0.0.1:1", "same-site", "application/json")]
    public async Task Loopback_NoKeys_AChangeSentByAnotherSitesPage_IsRefused403_AndChangesNothing(string? origin, string? site, string contentType)
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        var id = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "not yours" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, id, "waiting_for_approval");

        foreach (var path in new[] { $"/v1/approvals/{id}/sign_off/approve", $"/v1/runs/{id}/cancel" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(string.Empty, System.Text.Encoding.UTF8, contentType) };
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            if (site is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", site);
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("cross-origin", (await ServerFixture.ReadJsonAsync(response)).GetProperty("type").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("waiting_for_approval", (await ServerFixture.ReadJsonAsync(await client.GetAsync($"/v1/runs/{id}"))).GetProperty("run").GetProperty("state").GetString());

        // The server's own pages (same origin) and clients that are not browsers still decide.
        using var own = new HttpRequestMessage(HttpMethod.Post, $"/v1/approvals/{id}/sign_off/approve") { Content = JsonContent.Create(new { by = "ada" }) };
        own.Headers.Add("Origin", fixture.BaseAddress.GetLeftPart(UriPartial.Authority));
        own.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.True((await client.SendAsync(own)).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Loopback_NoKeys_ARequestUnderAnotherHostName_IsRefused421()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        foreach (var host in new[] { "evil.example", $"evil.example:{fixture.BaseAddress.Port}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/runs");
            request.Headers.Host = host;
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
            Assert.Contains("loopback", (await ServerFixture.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        foreach (var host in new[] { $"localhost:{fixture.BaseAddress.Port}", $"127.0.0.1:{fixture.BaseAddress.Port}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/runs");
            request.Headers.Host = host;
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
    }

    [Theory]
    [InlineData("notaurl", "is not an http:// URL with a host and a port")]
    [InlineData("https://127.0.0.1:0", "the server speaks plain HTTP: listen on http:// and put TLS in a reverse proxy")]
    public async Task AnAddressThatIsNotPlainHttp_RefusesToStart_SayingWhy(string url, string why)
    {
        var error = await Assert.ThrowsAsync<KeelException>(() => ServerFixture.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add(url);
        }));

        Assert.Contains($"The address to listen on '{url}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffLoopback_NoKey_RefusesToStart()
    {
        var error = await Assert.ThrowsAsync<KeelException>(() => ServerFixture.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("http://0.0.0.0:0");
        }));
        Assert.Contains("off loopback", error.Message);
    }

    [Fact]
    public async Task OffLoopback_WithKeys_EveryCallNeedsAKey()
    {
        await using var fixture = await StartWithKeysAsync(onLoopback: false);
        Assert.True(fixture.Server.KeysRequired);
        var port = fixture.BaseAddress.Port;
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var keyed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        keyed.DefaultRequestHeaders.Add("X-Api-Key", ReaderSecret);
        foreach (var path in new[] { "/v1/runs", "/v1/approvals", "/v1/workers", "/openapi/v1.json" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task AnySpellingOfAnApiPath_NeedsTheKey_AndAReadKeyCannotWriteThroughIt()
    {
        await using var fixture = await StartWithKeysAsync(onLoopback: true);
        using var anonymous = fixture.Client();
        using var reader = fixture.Client(ReaderSecret);
        var body = new StringContent("{\"workflow\":\"quick\"}", System.Text.Encoding.UTF8, "application/json");

        // Routing matches paths whatever their case: so must the guard.
        foreach (var path in new[] { "/V1/runs", "/v1/RUNS", "/V1/events", "/OpenAPI/v1.json" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/V1/runs", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/V1/Runs", body)).StatusCode);
        Assert.Empty(await fixture.Server.Orchestrator.ListRunsAsync());
    }

    [Fact]
    public async Task LoopbackWhenConfigured_MissingOrWrongKey_401ProblemWithoutTheSecret()
    {
        await using var fixture = await StartWithKeysAsync();
        using var none = fixture.Client();
        using var wrong = fixture.Client("op-secret-0123456789abcdeX");
        var missing = await none.GetAsync("/v1/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(missing.Headers.WwwAuthenticate);
        var bad = await wrong.GetAsync("/v1/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.DoesNotContain("op-secret", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadOnlyKey_ReadsButCannotOperate()
    {
        await using var fixture = await StartWithKeysAsync();
        using var reader = fixture.Client(ReaderSecret);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/runs")).StatusCode);
        var start = await reader.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Quick, goal = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Contains("read-only", (await ServerFixture.ReadJsonAsync(start)).GetProperty("detail").GetString());
        Assert.Empty((await reader.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/runs")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task OperatorKey_Operates_AndIsRecordedByNameOnly()
    {
        await using var fixture = await StartWithKeysAsync();
        using var op = fixture.Client(OperatorSecret);
        using var bearer = fixture.Client();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorSecret);
        var response = await bearer.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "keyed" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await ServerFixture.ReadJsonAsync(response)).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(op, id, "waiting_for_approval");
        var events = SseClient.ReadAllAsync(op, $"/v1/runs/{id}/events");
        await op.PostAsJsonAsync($"/v1/approvals/{id}/sign_off/approve", new { comment = "fine" });
        var detail = await ServerFixture.WaitForStateAsync(op, id, "completed");

        var bodies = detail.ToString() + string.Join("\n", (await events).Select(e => e.Data.ToString()))
            + await op.GetStringAsync("/v1/runs") + await op.GetStringAsync("/v1/approvals") + await op.GetStringAsync("/v1/usage?groupBy=worker");
        Assert.Contains("\"workerName\":\"ops\"", detail.ToString().Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain(OperatorSecret, bodies);
        Assert.DoesNotContain(ReaderSecret, bodies);
        Assert.NotEmpty(fixture.Logs.Lines);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(OperatorSecret, StringComparison.Ordinal) || line.Contains(ReaderSecret, StringComparison.Ordinal));
    }

    [Fact]
    public void KeyCheck_FindsOnlyTheExactSecret()
    {
        var check = new ApiKeyCheck([new ApiKey("a", "aaaaaaaaaaaaaaaa1", ApiKeyScope.Operator), new ApiKey("b", "bbbbbbbbbbbbbbbb2", ApiKeyScope.ReadOnly)]);
        Assert.Equal("a", check.Find("aaaaaaaaaaaaaaaa1")?.Name);
        Assert.Equal("b", check.Find("bbbbbbbbbbbbbbbb2")?.Name);
        Assert.Null(check.Find("aaaaaaaaaaaaaaaa"));
        Assert.Null(check.Find("aaaaaaaaaaaaaaaa1 "));
        Assert.Null(check.Find(string.Empty));
    }

    [Fact]
    public void KeyCheck_OneSecretUnderTwoKeys_IsRefused_NamingTheKeysNeverTheSecret()
    {
        var error = Assert.Throws<KeelException>(() => new ApiKeyCheck([new ApiKey("b", "aaaaaaaaaaaaaaaa1", ApiKeyScope.ReadOnly), new ApiKey("a", "aaaaaaaaaaaaaaaa1", ApiKeyScope.Operator)]));

        Assert.Contains("API keys 'b' and 'a' have the same secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("aaaaaaaaaaaaaaaa1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiKey_ParseAndPrint_NeverShowsTheSecret()
    {
        var key = ApiKey.Parse("ci:read:" + ReaderSecret);
        Assert.Equal(ApiKeyScope.ReadOnly, key.Scope);
        Assert.DoesNotContain(ReaderSecret, key.ToString());
        var tooShort = Assert.Throws<KeelException>(() => ApiKey.Parse("ci:operator:short"));
        Assert.DoesNotContain("short", tooShort.Message.Replace("shortest", string.Empty, StringComparison.Ordinal));
        Assert.Throws<KeelException>(() => ApiKey.Parse("ci:admin:" + ReaderSecret));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://10.1.2.3:5080", false)]
    public void IsLoopback_ByHost(string url, bool loopback) => Assert.Equal(loopback, KeelServer.IsLoopback(url));
}
