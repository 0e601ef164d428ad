using Keel.Sqlite.Tests.Support;
using Keel.Testing;

namespace Keel.Sqlite.Tests.Plans;

/// <summary>The plan store suite over a fresh SQLite file per test; reads after a write go through a second store over the same file.</summary>
public sealed class SqlitePlanStoreTests : PlanStoreConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override IPlanStore CreateStore() => new SqlitePlanStore(_database.Path);

    protected override IPlanStore Reopen() => new SqlitePlanStore(_database.Path);

    public override void Dispose()
    {
        base.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task PlansTable_SharesTheRunStoreFile_InEitherOrder()
    {
        using (var runs = SqliteRunStore.Open(_database.Path))
        {
            await runs.ListRunsAsync(new RunQuery(), CancellationToken.None);
        }

        var plan = await new SqlitePlanStore(_database.Path).SaveAsync(NewPlan("Build a website"));
        using var reopened = SqliteRunStore.Open(_database.Path);
        var second = new SqlitePlanStore(_database.Path);

        Assert.Empty(await reopened.ListRunsAsync(new RunQuery(), CancellationToken.None));
        Assert.Equal(plan.Hash, (await second.GetAsync(plan.Hash))?.Hash);
    }

    [Fact]
    public async Task TamperedRow_IsRefusedNamingThePlan()
    {
        var plan = await Store.SaveAsync(NewPlan("Build a website"));
        using (var raw = _database.OpenRaw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "UPDATE plans SET plan_json = replace(plan_json, 'implement_code', 'run_shell')";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<KeelException>(async () => await Reopen().GetAsync(plan.Hash));

        Assert.Contains(plan.Hash, error.Message, StringComparison.Ordinal);
        Assert.Contains("altered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrchestrationService_OverSqlite_FindsTheFrozenPlanInANewProcess()
    {
        var orchestrator = new Orchestrator();
        var first = new OrchestrationService(orchestrator, new CatalogPlanner(), new SqlitePlanStore(_database.Path), new OrchestrationServiceOptions { Workers = WorkerCatalog.Default });
        var plan = await first.FreezeAsync(await first.CreateAsync("Build a website"));
        await first.ApproveAsync(plan.Hash, "ana");

        var later = new OrchestrationService(orchestrator, new CatalogPlanner(), new SqlitePlanStore(_database.Path), new OrchestrationServiceOptions { Workers = WorkerCatalog.Default });
        var again = await later.CreateAsync("build a website");

        Assert.Equal(plan.Hash, again.Hash);
        Assert.Equal("ana", again.Approval?.ApprovedBy);
        Assert.Equal(plan.Hash, Assert.Single(await later.FindApprovedAsync("a website")).Hash);
    }
}
