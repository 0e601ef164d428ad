using Keel.Postgres.Tests.Support;
using Npgsql;

namespace Keel.Postgres.Tests.Cli;

/// <summary>The keel command on a PostgreSQL store, named by --store or KEEL_STORE, never showing the password.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCliTests : IDisposable
{
    private const string Secret = "Pa55-w0rd-never-shown";
    private const string Workflow = """
        name: hello
        goal: Say hello
        workers:
          writer:
            kind: command
            command: /bin/sh
            args: ["-c", "cat > /dev/null; printf '{\"text\":\"hello\"}'"]
          checker:
            kind: command
            command: /bin/sh
            args: ["-c", "grep -q hello && printf '{\"ok\":true}'"]
        steps:
          - id: write
            worker: writer
            on_success: check
          - id: check
            worker: checker
        """;

    private readonly PostgresServer _server;
    private readonly string _database;
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-pg-cli-").FullName;

    public PostgresCliTests(PostgresServer server)
    {
        _server = server;
        _database = server.CreateDatabase("cli");
        File.WriteAllText(Path.Combine(_folder, "hello.yaml"), Workflow);
    }

    private string Uri => $"postgres://{PostgresServer.SuperUser}:{Secret}@127.0.0.1:{_server.Port}/{_database}";

    [Fact]
    public async Task Run_Runs_Show_OnAPostgresUri_WorkAndNeverPrintThePassword()
    {
        var run = await KeelProcess.RunAsync(_folder, "run", "hello.yaml", "--store", Uri);
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Contains("Completed", run.Out, StringComparison.Ordinal);
        Assert.Contains($"postgres://{PostgresServer.SuperUser}@127.0.0.1:{_server.Port}/{_database}", run.Out, StringComparison.Ordinal);

        var runs = await KeelProcess.RunAsync(_folder, "runs", "--store", Uri);
        Assert.True(runs.ExitCode == 0, runs.Out + runs.Error);
        Assert.Contains("hello", runs.Out, StringComparison.Ordinal);

        // KEEL_STORE, as an Npgsql connection string this time.
        var keywords = $"Host=127.0.0.1;Port={_server.Port};Username={PostgresServer.SuperUser};Password={Secret};Database={_database}";
        var stored = await ListRunIdAsync();
        var show = await KeelProcess.RunAsync(_folder, new Dictionary<string, string> { ["KEEL_STORE"] = keywords }, "show", stored);
        Assert.True(show.ExitCode == 0, show.Out + show.Error);
        Assert.Contains("check", show.Out, StringComparison.Ordinal);

        foreach (var output in new[] { run, runs, show })
        {
            Assert.DoesNotContain(Secret, output.Out + output.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Plan_Plans_RunGoal_OnAPostgresUri_KeepThePlanInTheSchema()
    {
        var plan = await KeelProcess.RunAsync(_folder, "plan", "--goal", "Build a portfolio website", "--store", Uri);
        Assert.True(plan.ExitCode == 0, plan.Out + plan.Error);
        Assert.Contains("Frozen in postgres://", plan.Out, StringComparison.Ordinal);

        // Another process on the schema lists the plan, and a run of the same goal runs that frozen plan.
        var plans = await KeelProcess.RunAsync(_folder, "plans", "--store", Uri);
        Assert.True(plans.ExitCode == 0, plans.Out + plans.Error);
        Assert.Contains("Build a portfolio website", plans.Out, StringComparison.Ordinal);
        var hash = plan.Out.Split(' ')[1];
        Assert.Contains(hash, plans.Out, StringComparison.Ordinal);

        var run = await KeelProcess.RunAsync(_folder, "run", "--goal", "Build a portfolio website", "--yes", "--store", Uri);
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Contains($"Running plan {hash}", run.Out, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar("SELECT count(*) FROM keel.plans;"));
        Assert.False(File.Exists(Path.Combine(_folder, "postgres:")), "no SQLite file is made of the address");

        foreach (var output in new[] { plan, plans, run })
        {
            Assert.DoesNotContain(Secret, output.Out + output.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Runs_UnreachableServer_FailsNamingItWithoutThePassword()
    {
        var result = await KeelProcess.RunAsync(_folder, "runs", "--store", $"postgres://keel:{Secret}@127.0.0.1:1/nowhere");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("127.0.0.1:1/nowhere", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Out + result.Error, StringComparison.Ordinal);
    }

    private async Task<string> ListRunIdAsync()
    {
        await using var connection = new NpgsqlConnection(_server.ConnectionStringTo(_database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT run_id FROM keel.runs LIMIT 1;", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_server.ConnectionStringTo(_database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        _server.DropDatabase(_database);
        Directory.Delete(_folder, recursive: true);
    }
}
