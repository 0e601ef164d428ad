using Keel.Testing;

namespace Keel.Tests.Conformance;

/// <summary>A store derived from <see cref="DelegatingRunStore"/> that overrides nothing conforms as the store it wraps does.</summary>
public sealed class DelegatingRunStoreConformanceTests : RunStoreConformanceTests
{
    protected override IRunStore CreateStore() => new PassThrough(new InMemoryRunStore());

    private sealed class PassThrough(IRunStore inner) : DelegatingRunStore(inner);
}
