namespace Keel.Sqlite.Tests.Conformance;

public sealed class InMemoryRunStoreConformanceTests : RunStoreConformanceTests
{
    protected override IRunStore CreateStore() => new InMemoryRunStore();
}
