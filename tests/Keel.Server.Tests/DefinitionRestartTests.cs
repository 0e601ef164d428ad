using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

/// <summary>A restarted server registers each posted workflow as it last was, and a workflow it is started with as its file has it.</summary>
public sealed class DefinitionRestartTests : IDisposable
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "keel-restart-tests", Guid.NewGuid().ToString("N"))).FullName;

    private SqliteRunStore? _store;

    private static string Posted(string description)
        => JsonSerializer.Serialize(new { name = "posted", description, goal = "g", initial_step = "a", steps = new[] { new { id = "a", worker = "writer" } } });

    [Fact]
    public async Task Restart_RegistersTheVersionRegisteredLast_NotTheLastByHash()
    {
        var hashes = new List<string>();
        await using (var first = await StartAsync())
        {
            using var client = new HttpClient { BaseAddress = first.Addresses[0] };
            foreach (var description in new[] { "one", "two", "three" })
            {
                var stored = await client.PostAsJsonAsync("/v1/definitions", new { content = Posted(description), format = "json" });
                Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
                hashes.Add((await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hash").GetString()!);
            }

            // Registered last: "two", posted again (a known version, registered anew).
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/definitions", new { content = Posted("two"), format = "json" })).StatusCode);
        }

        await using var again = await StartAsync();
        using var reader = new HttpClient { BaseAddress = again.Addresses[0] };
        var workflows = await reader.GetFromJsonAsync<JsonElement>("/v1/workflows");
        var posted = workflows.EnumerateArray().Single(w => w.GetProperty("name").GetString() == "posted");
        Assert.Equal(hashes[1], posted.GetProperty("hash").GetString());
    }

    private Task<KeelServer> StartAsync()
    {
        var options = new KeelServerOptions
        {
            RunStore = _store ??= SqliteRunStore.Open(Path.Combine(_folder, "keel.db")),
            DefinitionsFolder = Path.Combine(_folder, "definitions"),
            Configure = orchestrator => TestWorkflows.Register(orchestrator),
            RunWorkerLoop = false,
        };
        options.Urls.Add("http://127.0.0.1:0");
        return KeelServer.StartAsync(options);
    }

    public void Dispose()
    {
        _store?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
