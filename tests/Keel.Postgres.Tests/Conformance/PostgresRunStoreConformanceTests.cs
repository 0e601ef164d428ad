using Keel.Postgres.Tests.Support;
using Keel.Testing;

namespace Keel.Postgres.Tests.Conformance;

/// <summary>The conformance suite over a fresh schema per test; reads after a write go through a second store over the same schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreConformanceTests(PostgresServer server) : RunStoreConformanceTests
{
    private readonly PostgresDatabase _database = new(server);
    private readonly List<PostgresRunStore> _reopened = [];
    private TimeProvider? _clock;

    protected override IRunStore CreateStore(TimeProvider clock)
    {
        _clock = clock;
        return Open();
    }

    protected override IRunStore Reopen()
    {
        var store = Open();
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

    private PostgresRunStore Open()
    {
        var options = _database.Options;
        options.Clock = _clock;
        return new PostgresRunStore(options);
    }
}
