using Keel.Postgres.Tests.Support;
using Npgsql;

namespace Keel.Postgres.Tests.Server;

/// <summary>
/// A cluster as deployed: one <c>keel serve --no-worker</c> and two <c>keel worker</c> processes on one
/// PostgreSQL database. 500 runs started over HTTP with bounded concurrency (every tenth request sent twice
/// with its idempotency key) all complete, none lost, none started twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServeClusterLoadTests : IDisposable
{
    private const int Runs = 500;
    private readonly PostgresServer _server;
    private readonly string _database;
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-pg-serve-").FullName;

    public ServeClusterLoadTests(PostgresServer server)
    {
        _server = server;
        _database = server.CreateDatabase("serve");
        File.WriteAllText(Path.Combine(_folder, "handoff.yaml"), KeelServiceProcess.HandoffWorkflow);
    }

    private string Uri => $"postgres://{PostgresServer.SuperUser}@127.0.0.1:{_server.Port}/{_database}";

    [Fact]
    public async Task FiveHundredRuns_OverHttpOnPostgresWithTwoWorkerProcesses_AllCompleteOnceEach()
    {
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder, "--no-worker", "--store", Uri, "--workflow", "handoff.yaml");
        await using (serve)
        {
            await using var first = KeelServiceProcess.Start(_folder, "worker", "handoff.yaml", "--store", Uri, "--capacity", "8");
            await using var second = KeelServiceProcess.Start(_folder, "worker", "handoff.yaml", "--store", Uri, "--capacity", "8");
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };

            var ids = await HttpRunLoad.StartAllAsync([client], "handoff", Runs);
            await HttpRunLoad.AssertAllCompletedOnceAsync(client, "handoff", ids, ["spec", "page"]);

            Assert.False(first.HasExited, first.Output);
            Assert.False(second.HasExited, second.Output);
            Assert.Equal(Runs, Count("SELECT count(*) FROM keel.runs;"));
            Assert.Equal(2L * Runs, Count("SELECT count(*) FROM keel.history;"));
        }
    }

    [Fact]
    public async Task Plans_MadeByTheCommandOnPostgres_AreServedAndApprovedThere_AndSeenByTheCommand()
    {
        var made = await KeelProcess.RunAsync(_folder, "plan", "--goal", "Build a portfolio website", "--store", Uri);
        Assert.True(made.ExitCode == 0, made.Out + made.Error);
        var hash = made.Out.Split(' ')[1];

        var website = Path.Combine(KeelProcess.Examples, "build-website.yaml");
        var (serve, address) = await KeelServiceProcess.ServeAsync(_folder, "--store", Uri, "--workflow", website);
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            var plans = await client.GetStringAsync("/v1/plans");
            Assert.Contains(hash, plans, StringComparison.Ordinal);

            using var approve = await client.PostAsync($"/v1/plans/{hash}/approve", new StringContent("{\"by\":\"ana\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());

            // The command's plan is run by its hash here, as one made by this server is.
            using var plan = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync($"/v1/plans/{hash}"));
            var workflow = plan.RootElement.GetProperty("workflow").GetString();
            var body = $"{{\"workflow\":\"{workflow}\",\"definitionHash\":\"{plan.RootElement.GetProperty("hash").GetString()}\"}}";
            using var started = await client.PostAsync("/v1/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
            var id = System.Text.Json.JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            string? state = null;
            for (var i = 0; i < 300 && state is not ("completed" or "failed"); i++)
            {
                await Task.Delay(100);
                using var run = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync($"/v1/runs/{id}"));
                state = run.RootElement.GetProperty("run").GetProperty("state").GetString();
            }

            Assert.Equal("completed", state);
        }

        var listed = await KeelProcess.RunAsync(_folder, "plans", "--store", Uri);
        Assert.True(listed.ExitCode == 0, listed.Out + listed.Error);
        Assert.Contains("ana", listed.Out, StringComparison.Ordinal);
    }

    private long Count(string sql)
    {
        using var connection = new NpgsqlConnection(_server.ConnectionStringTo(_database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _server.DropDatabase(_database);
        Directory.Delete(_folder, recursive: true);
    }
}
