using Keel.Sqlite.Schema;
using Keel.Sqlite.Tests.Support;

namespace Keel.Sqlite.Tests.Schema;

public sealed class SchemaConcurrencyTests
{
    [Fact]
    public async Task Open_ManyStoresCreatingTheSameNewFileAtOnce_AllOpenAndTheSchemaIsCreatedOnce()
    {
        const int Stores = 6;
        for (var round = 0; round < 8; round++)
        {
            using var db = new TempDatabase();
            using var start = new Barrier(Stores);
            var opens = Enumerable.Range(0, Stores).Select(i => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    using var store = SqliteRunStore.Open(db.Path);
                    store.CreateRunAsync(Run($"r{i}"), [], default).AsTask().GetAwaiter().GetResult();
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            await Task.WhenAll(opens);

            using var reader = SqliteRunStore.Open(db.Path);
            Assert.Equal(Stores, (await reader.ListRunsAsync(new RunQuery(), default)).Count);
            using var raw = db.OpenRaw();
            Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(raw));
        }
    }

    private static RunRecord Run(string id) => new()
    {
        RunId = id,
        WorkflowName = "w",
        Goal = "g",
        State = WorkflowState.Running,
        CurrentStep = "s",
        Visit = 1,
        Attempt = 1,
        StepsTaken = 0,
        Data = new Dictionary<string, System.Text.Json.JsonElement>(),
        InitialData = new Dictionary<string, System.Text.Json.JsonElement>(),
        DefinitionJson = "{}",
        DefinitionHash = "h",
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
        Fence = 1,
    };
}
