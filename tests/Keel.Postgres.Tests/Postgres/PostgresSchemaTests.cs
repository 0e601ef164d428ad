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
