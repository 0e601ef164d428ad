using Keel.Postgres.Tests.Support;
using Keel.Testing;

namespace Keel.Postgres.Tests.Conformance;

/// <summary>The conformance suite over a fresh schema per test; reads after a write go through a second store over the same schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreConformanceTests(PostgresServer server) : RunStoreConformanceTests
{
    private readonly PostgresDatabase _database = new(server);
    private readonly List<PostgresRunStore> _reopened = [];

    protected override IRunStore CreateStore() => _database.Open();

    protected override IRunStore Reopen()
    {
        var store = _database.Open();
        _reopened.Add(store);
        return store;
    }

    public override void Dispose()
    {
        foreach (var store in _reopened)
        {
            store.Dispose();
        }

        base.Dispose();
        _database.Dispose();
    }
}
