using Keel.Sqlite.Tests.Support;
using Keel.Testing;

namespace Keel.Sqlite.Tests.Conformance;

/// <summary>The conformance suite over a fresh SQLite file per test; reads after a write go through a second store over the same file.</summary>
public sealed class SqliteRunStoreConformanceTests : RunStoreConformanceTests
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteRunStore> _reopened = [];

    protected override IRunStore CreateStore() => SqliteRunStore.Open(_database.Path);

    protected override IRunStore Reopen()
    {
        var store = SqliteRunStore.Open(_database.Path);
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
