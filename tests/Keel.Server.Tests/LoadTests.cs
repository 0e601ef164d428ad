using Keel.Server.Tests.Infrastructure;
using Keel.Testing;

namespace Keel.Server.Tests;

/// <summary>Many runs started over HTTP with bounded concurrency: all complete, none lost, none started twice.</summary>
public sealed class LoadTests
{
    private const int Runs = 500;

    [Fact]
    public async Task FiveHundredRuns_OverHttpOnSqlite_AllCompleteOnceEach()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.MaxConcurrentRuns = 64);
        using var client = fixture.Client();
        var ids = await HttpRunLoad.StartAllAsync([client], TestWorkflows.Quick, Runs);

        await HttpRunLoad.AssertAllCompletedOnceAsync(client, TestWorkflows.Quick, ids, ["write", "publish"]);
    }
}
