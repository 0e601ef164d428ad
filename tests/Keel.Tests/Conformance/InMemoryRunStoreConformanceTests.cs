using Keel.Testing;

namespace Keel.Tests.Conformance;

public sealed class InMemoryRunStoreConformanceTests : RunStoreConformanceTests
{
    protected override IRunStore CreateStore() => new InMemoryRunStore();
}
