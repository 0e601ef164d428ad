namespace Keel.Testing;

/// <summary>What every <see cref="IPlanStore"/> must do. Each plan store's test class inherits this suite.</summary>
public abstract class PlanStoreConformanceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private IPlanStore? _store;

    /// <summary>The store under test (created on first use).</summary>
    protected IPlanStore Store => _store ??= CreateStore();

    /// <summary>A new, empty plan store.</summary>
    protected abstract IPlanStore CreateStore();

    /// <summary>Opens the store again over the same storage (what a new process sees); the in-memory store keeps its instance.</summary>
    protected virtual IPlanStore Reopen() => Store;

    /// <summary>Disposes the store when it is disposable.</summary>
    public virtual void Dispose()
    {
        (_store as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A validated plan of the build-website workflow for <paramref name="goal"/>, with every provenance field set.</summary>
    protected static Plan NewPlan(string goal, DateTimeOffset? createdAt = null, string fingerprint = "catalog:test")
    {
        var definition = Workflows.CreateBuildWebsiteWorkflow();
        definition.Goal = goal;
        var planning = new PlanningRecord
        {
            Planner = "catalog",
            Fingerprint = fingerprint,
            Model = "model-x",
            PromptHash = new string('b', 64),
            Explanation = "template 'build_website'",
            Template = "build_website",
            MatchedWords = ["website"],
            Proposals = [new PlanProposal(1, "{}", ["an earlier problem"])],
        };
        var validation = PlanValidator.Validate(definition, WorkerCatalog.Default);
        return new Plan(goal, definition, planning, validation, createdAt ?? T0);
    }

    /// <summary>A saved plan reads back, after a reopen, with its definition, hash and provenance intact.</summary>
    [Fact]
    public async Task Save_ThenGet_RoundTripsDefinitionAndProvenance()
    {
        var plan = NewPlan("Build a \"portfolio\" website — ünïcode ✓");

        var saved = await Store.SaveAsync(plan);
        var read = await Reopen().GetAsync(plan.Hash);

        Assert.True(saved.IsFrozen);
        Assert.NotNull(read);
        Assert.True(read.IsFrozen);
        Assert.Equal(plan.Hash, read.Hash);
        Assert.Equal(plan.DefinitionJson, read.DefinitionJson);
        Assert.Equal(plan.Goal, read.Goal);
        Assert.Equal(plan.CreatedAt, read.CreatedAt);
        Assert.Equal((plan.Planning.Planner, plan.Planning.Fingerprint, plan.Planning.Model, plan.Planning.PromptHash, plan.Planning.Template), (read.Planning.Planner, read.Planning.Fingerprint, read.Planning.Model, read.Planning.PromptHash, read.Planning.Template));
        Assert.Equal(plan.Planning.Proposals[0].Problems, read.Planning.Proposals[0].Problems);
        Assert.Equal(plan.Validation.Checks, read.Validation.Checks);
        Assert.Null(read.Approval);
    }

    /// <summary>Saving a plan whose hash is stored already keeps the first one and returns it.</summary>
    [Fact]
    public async Task Save_SameHashTwice_KeepsTheFirst()
    {
        var first = await Store.SaveAsync(NewPlan("Build a website", T0));
        var second = await Store.SaveAsync(NewPlan("Build a website", T0.AddHours(1)));

        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(T0, second.CreatedAt);
        Assert.Single(await Reopen().ListAsync());
    }

    /// <summary>A plan is found by its hash or a unique prefix of it in any case; an unknown hash or a prefix too short finds nothing.</summary>
    [Fact]
    public async Task Get_ByUniquePrefix_AndUnknown()
    {
        var plan = await Store.SaveAsync(NewPlan("Build a website"));

        Assert.Equal(plan.Hash, (await Store.GetAsync(plan.Hash[..10]))?.Hash);
        Assert.Equal(plan.Hash, (await Store.GetAsync(plan.Hash.ToUpperInvariant()))?.Hash);
        Assert.Null(await Store.GetAsync(new string('0', 64)));
        Assert.Null(await Store.GetAsync(plan.Hash[..4]));
    }

    /// <summary>Find matches the goal's key and the planner's fingerprint, newest plan first.</summary>
    [Fact]
    public async Task Find_ByGoalKeyAndFingerprint_NewestFirst()
    {
        await Store.SaveAsync(NewPlan("Build a website", T0));
        var newer = NewPlan("Build a website", T0.AddMinutes(1));
        var changed = newer.Definition;
        changed.MaxSteps = 11;
        newer = new Plan(newer.Goal, changed, newer.Planning, newer.Validation, newer.CreatedAt);
        await Store.SaveAsync(newer);
        await Store.SaveAsync(NewPlan("Build a website", T0.AddMinutes(2), fingerprint: "llm:other"));

        var found = await Reopen().FindAsync("  build a WEBSITE. ", "catalog:test");

        Assert.Equal(newer.Hash, found?.Hash);
        Assert.Null(await Store.FindAsync("Build a blog", "catalog:test"));
        Assert.Null(await Store.FindAsync("Build a website", "catalog:other"));
    }

    /// <summary>List returns every plan, newest first.</summary>
    [Fact]
    public async Task List_NewestFirst()
    {
        var a = await Store.SaveAsync(NewPlan("Build a website", T0));
        var b = await Store.SaveAsync(NewPlan("Build a blog", T0.AddMinutes(5)));

        var plans = await Reopen().ListAsync();

        Assert.Equal([b.Hash, a.Hash], plans.Select(p => p.Hash));
    }

    /// <summary>The first approval of a plan attaches to it and survives a reopen; a later one leaves it unchanged.</summary>
    [Fact]
    public async Task Approve_AttachesOnce_AndSurvivesReopen()
    {
        var plan = await Store.SaveAsync(NewPlan("Build a website"));

        var approved = await Store.ApproveAsync(plan.Hash, new PlanApproval("ana", T0.AddHours(1), "ok"));
        var again = await Store.ApproveAsync(plan.Hash, new PlanApproval("bob", T0.AddHours(2)));
        var read = await Reopen().GetAsync(plan.Hash);

        Assert.Equal(new PlanApproval("ana", T0.AddHours(1), "ok"), approved.Approval);
        Assert.Equal(approved.Approval, again.Approval);
        Assert.Equal(approved.Approval, read?.Approval);
        Assert.Equal(approved.Approval, (await Store.SaveAsync(NewPlan("Build a website"))).Approval);
    }

    /// <summary>Approving a hash that names no plan throws.</summary>
    [Fact]
    public async Task Approve_UnknownHash_Throws()
    {
        var error = await Assert.ThrowsAnyAsync<KeelException>(async () => await Store.ApproveAsync(new string('0', 64), new PlanApproval("ana", T0)));

        Assert.Contains(new string('0', 64), error.Message, StringComparison.Ordinal);
    }
}
