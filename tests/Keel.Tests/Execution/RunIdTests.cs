namespace Keel.Tests.Execution;

public sealed class RunIdTests
{
    [Fact]
    public void DefaultRunIds_AreDistinctVersion4Guids_As32HexDigits()
    {
        var factory = new OrchestratorOptions().RunIdFactory;
        var ids = Enumerable.Range(0, 10_000).Select(_ => factory()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{32}$", id);
            var guid = Guid.ParseExact(id, "N");
            Assert.Equal(4, guid.Version);
            Assert.Contains(id[16], "89ab");
        });
    }

    [Fact]
    public async Task DefaultRunIds_FromManyThreads_AreDistinct()
    {
        var factory = new OrchestratorOptions().RunIdFactory;
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 2_000).Select(_ => factory()).ToList())));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }
}
