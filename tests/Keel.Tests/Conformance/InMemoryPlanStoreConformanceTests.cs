using Keel.Testing;

namespace Keel.Tests.Conformance;

public sealed class InMemoryPlanStoreConformanceTests : PlanStoreConformanceTests
{
    protected override IPlanStore CreateStore() => new InMemoryPlanStore();
}
