using Keel.Postgres.Schema;
using Keel.Postgres.Tests.Support;

namespace Keel.Postgres.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresServer server) : IDisposable
{
    private readonly PostgresDatabase _database = new(server);

    [Fact]
    public async Task Initialize_ManyStoresAtOnce_CreateTheSchemaOnceAndAllWork()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => _database.Open()).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(default)));
            await Task.WhenAll(stores.Select((s, i) => s.CreateRunAsync(Run($"r{i}"), [], default).AsTask()));

            Assert.Equal(8L, _database.Scalar("SELECT count(*) FROM {0}.runs;"));
            Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM {0}.schema_version;"));
            Assert.Equal(PostgresSchema.CurrentVersion, _database.Scalar("SELECT version FROM {0}.schema_version;"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Open_SchemaWrittenByANewerKeel_IsRefusedUnchanged()
    {
        await using (var store = _database.Open())
        {
            await store.CreateRunAsync(Run("kept"), [], default);
        }

        _database.Execute($"UPDATE {{0}}.schema_version SET version = {PostgresSchema.CurrentVersion + 1};");
        await using var newer = _database.Open();

        var error = await Assert.ThrowsAsync<KeelException>(async () => await newer.GetRunAsync("kept", default));

        Assert.Contains($"version {PostgresSchema.CurrentVersion + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade Keel", error.Message, StringComparison.Ordinal);
        Assert.Contains(_database.Schema, error.Message, StringComparison.Ordinal);
        Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM {0}.runs;"));
        Assert.Equal(PostgresSchema.CurrentVersion + 1, _database.Scalar("SELECT version FROM {0}.schema_version;"));
    }

    [Fact]
    public async Task Open_ExistingSchemaAtTheCurrentVersion_KeepsItsRuns()
    {
        await using (var store = _database.Open())
        {
            await store.CreateRunAsync(Run("kept"), [], default);
        }

        await using var again = _database.Open();
        Assert.NotNull(await again.GetRunAsync("kept", default));
    }

    [Fact]
    public async Task Open_SchemaAtVersion3_MigratesToTheCurrentVersionAndKeepsItsRuns()
    {
        await using (var store = _database.Open())
        {
            await store.CreateRunAsync(Run("kept"), [], default);
        }

        // Version 3 is version 5 with the index on updated_at, the default fill factor and no plans table.
        _database.Execute("CREATE INDEX runs_by_updated ON {0}.runs (updated_at); ALTER TABLE {0}.runs RESET (fillfactor); DROP TABLE {0}.plans; DROP INDEX {0}.runs_by_parent; UPDATE {0}.schema_version SET version = 3;");

        await using var migrated = _database.Open();
        Assert.NotNull(await migrated.GetRunAsync("kept", default));
        Assert.Equal(PostgresSchema.CurrentVersion, _database.Scalar("SELECT version FROM {0}.schema_version;"));
        Assert.Equal(0L, _database.Scalar($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{_database.Schema}' AND indexname = 'runs_by_updated';"));
        Assert.Equal("fillfactor=80", _database.Scalar($"SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = '\"{_database.Schema}\".runs'::regclass;"));
        Assert.Equal(0L, _database.Scalar("SELECT count(*) FROM {0}.plans;"));
    }

    [Fact]
    public async Task Commit_OfAnAttemptThatKeepsTheRunRunning_IsAHeapOnlyUpdate()
    {
        const int Steps = 5;
        await using (var store = _database.Open())
        {
            var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "", (_, _, _) => ValueTask.FromResult<object?>("done")));
            var workflow = new WorkflowDefinition("wf", "", "g");
            for (var i = 0; i < Steps; i++)
            {
                workflow.AddStep(new WorkflowStep($"s{i}", WorkerType.Coder, "", i == Steps - 1 ? "complete" : $"s{i + 1}", "failed"), isInitial: i == 0);
            }

            orchestrator.RegisterWorkflow(workflow);
            Assert.Equal(WorkflowState.Completed, (await orchestrator.ExecuteWorkflowAsync("wf", "g")).State);
        }

        // A backend reports its table counts when it exits: the store's pool closed its connections above.
        var (updates, heapOnly) = (0L, 0L);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (updates < Steps && !limit.IsCancellationRequested)
        {
            using var connection = _database.OpenRaw();
            using var command = new Npgsql.NpgsqlCommand($"SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = '{_database.Schema}' AND relname = 'runs';", connection);
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                (updates, heapOnly) = (reader.GetInt64(0), reader.GetInt64(1));
            }

            if (updates < Steps)
            {
                await Task.Delay(100, CancellationToken.None);
            }
        }

        // Every attempt but the last (which ends the run, moving it in runs_by_state) leaves the indexes alone.
        Assert.True(updates >= Steps, $"the server reported {updates} updates of runs, expected {Steps}");
        Assert.True(heapOnly >= Steps - 1, $"{heapOnly} of {updates} updates of runs were heap-only; expected at least {Steps - 1}");
    }

    public void Dispose() => _database.Dispose();

    internal static RunRecord Run(string id) => new()
    {
        RunId = id,
        WorkflowName = "wf",
        Goal = "g",
        State = WorkflowState.Running,
        CurrentStep = "a",
        DefinitionJson = "{}",
        DefinitionHash = new string('b', 64),
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
        Fence = 1,
    };
}
