using Keel.Testing;

namespace Keel.Tests.Conformance;

/// <summary>The in-memory store passes the shipped conformance suite.</summary>
public sealed class InMemoryRunStoreConformanceTests : RunStoreConformanceTests
{
    protected override IRunStore CreateStore(TimeProvider clock) => new InMemoryRunStore(clock);
}
