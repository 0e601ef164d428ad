using Keel.Postgres.Tests.Support;
using Keel.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Postgres.Tests.Plans;

/// <summary>The plan store suite over a fresh schema per test; reads after a write go through a second run store over the same schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPlanStoreTests(PostgresServer server) : PlanStoreConformanceTests
{
    private readonly PostgresDatabase _database = new(server);
    private readonly List<PostgresRunStore> _opened = [];

    protected override IPlanStore CreateStore() => new PostgresPlanStore(Runs());

    protected override IPlanStore Reopen() => new PostgresPlanStore(Runs());

    public override void Dispose()
    {
        base.Dispose();
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        _database.Dispose();
    }

    [Fact]
    public async Task TamperedRow_IsRefusedNamingThePlan()
    {
        var plan = await Store.SaveAsync(NewPlan("Build a website"));
        _database.Execute("UPDATE {0}.plans SET plan_json = replace(plan_json, 'implement_code', 'run_shell');");

        var error = await Assert.ThrowsAsync<KeelException>(async () => await Reopen().GetAsync(plan.Hash));

        Assert.IsNotType<RunStoreException>(error);
        Assert.Contains(plan.Hash, error.Message, StringComparison.Ordinal);
        Assert.Contains("altered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_InTwoProcessesAtOnce_KeepsOneApproval()
    {
        var plan = await Store.SaveAsync(NewPlan("Build a website"));
        var stores = Enumerable.Range(0, 8).Select(_ => Reopen()).ToArray();

        var approved = await Task.WhenAll(stores.Select((s, i) => s.ApproveAsync(plan.Hash, new PlanApproval("reviewer-" + i, DateTimeOffset.UnixEpoch.AddDays(i), null)).AsTask()));

        var first = Assert.Single(approved.Select(p => p.Approval!.ApprovedBy).Distinct());
        Assert.Equal(first, (await Reopen().GetAsync(plan.Hash))!.Approval!.ApprovedBy);
    }

    [Fact]
    public async Task OrchestrationService_OverPostgres_FindsTheFrozenPlanInAnotherProcess()
    {
        var orchestrator = new Orchestrator();
        var first = new OrchestrationService(orchestrator, new CatalogPlanner(), Store, new OrchestrationServiceOptions { Workers = WorkerCatalog.Default });
        var plan = await first.FreezeAsync(await first.CreateAsync("Build a website"));
        await first.ApproveAsync(plan.Hash, "ana");

        var later = new OrchestrationService(new Orchestrator(), new CatalogPlanner(), Reopen(), new OrchestrationServiceOptions { Workers = WorkerCatalog.Default });
        var again = await later.CreateAsync("build a website");

        Assert.Equal(plan.Hash, again.Hash);
        Assert.Equal("ana", again.Approval?.ApprovedBy);
        Assert.Equal(plan.Hash, Assert.Single(await later.FindApprovedAsync("a website")).Hash);
    }

    [Fact]
    public async Task UsePostgresPlans_KeepsPlansInTheRunStoresSchema()
    {
        var services = new ServiceCollection();
        services.AddKeel(k => k.UsePostgres(_database.ConnectionString, o => o.Schema = _database.Schema).UsePostgresPlans());
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IPlanStore>();
        var plan = await store.SaveAsync(NewPlan("Build a website"));

        Assert.IsType<PostgresPlanStore>(store);
        Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM {0}.plans;"));
        Assert.Equal(plan.Hash, (await Reopen().GetAsync(plan.Hash))?.Hash);
    }

    private PostgresRunStore Runs()
    {
        var store = _database.Open();
        _opened.Add(store);
        return store;
    }
}
