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
