using Keel.Tests.Fakes;

namespace Keel.Tests.Planning;

public sealed class OrchestrationServiceTests
{
    private static (OrchestrationService Service, FakeWorker Pm, FakeWorker Coder, FakeWorker Reviewer, InMemoryRunStore Runs) Service(OrchestrationServiceOptions? options = null, IPlanStore? plans = null)
    {
        var runs = new InMemoryRunStore();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = runs }).With(pm, coder, reviewer);
        return (new OrchestrationService(orchestrator, new CatalogPlanner(), plans ?? new InMemoryPlanStore(), options), pm, coder, reviewer, runs);
    }

    [Fact]
    public async Task CreateAsync_AllowlistIsTheRegisteredWorkers()
    {
        var (service, _, _, _, _) = Service();

        var plan = await service.CreateAsync("Build a website");
        var error = await Assert.ThrowsAsync<PlanRejectedException>(() => service.CreateAsync("Train a model"));

        Assert.Equal("build_website", plan.Name);
        Assert.Contains(error.Problems, p => p.Message.Contains("'data_engineer' is not allowed (allowed: coder, product_manager, reviewer)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Goal_PlansFreezesAndRunsThePinnedDefinition()
    {
        var (service, pm, coder, reviewer, runs) = Service();

        var result = await service.RunAsync("Build a portfolio website");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal("Build a portfolio website", pm.Calls[0].Input.GetString());
        var stored = Assert.Single(await service.PlanStore.ListAsync());
        var run = await runs.GetRunAsync(result.RunId, CancellationToken.None);
        Assert.Equal(stored.Hash, run!.DefinitionHash);
        Assert.True(stored.IsFrozen);
        Assert.Equal((1, 1), (coder.CallCount, reviewer.CallCount));
    }

    [Fact]
    public async Task CreateAsync_SameGoalAgain_ReturnsTheStoredPlan_UnlessANewOneIsAsked()
    {
        var (service, _, _, _, _) = Service();
        var first = await service.FreezeAsync(await service.CreateAsync("Build a website"));

        var again = await service.CreateAsync("build a WEBSITE!");
        var fresh = await service.CreateAsync("Build a website", new PlanOptions { NewPlan = true });

        Assert.True(again.IsFrozen);
        Assert.Equal(first.Hash, again.Hash);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.False(fresh.IsFrozen);
    }

    [Fact]
    public async Task CreateAsync_OtherPlanner_DoesNotReuseThePlan()
    {
        var plans = new InMemoryPlanStore();
        var (service, _, _, _, _) = Service(plans: plans);
        await service.FreezeAsync(await service.CreateAsync("Build a website"));
        var other = new OrchestrationService(service.Orchestrator, new CatalogPlanner(PlanTemplate.Defaults.Take(1)), plans);

        var plan = await other.CreateAsync("Build a website");

        Assert.False(plan.IsFrozen);
    }

    [Fact]
    public async Task ApproveAsync_AttachesToTheHashOnce()
    {
        var clock = new RecordingTimeProvider();
        var (service, _, _, _, _) = Service(new OrchestrationServiceOptions { TimeProvider = clock });
        var plan = await service.FreezeAsync(await service.CreateAsync("Build a website"));

        var approved = await service.ApproveAsync(plan.Hash[..12], "ana", "looks right");
        clock.Advance(TimeSpan.FromHours(1));
        var twice = await service.ApproveAsync(plan.Hash, "bob");

        Assert.Equal(new PlanApproval("ana", approved.Approval!.ApprovedAt, "looks right"), twice.Approval);
        Assert.Equal("ana", (await service.PlanStore.GetAsync(plan.Hash))!.Approval!.ApprovedBy);
    }

    [Fact]
    public async Task ApproveAsync_UnfrozenPlan_IsRefused()
    {
        var (service, _, _, _, _) = Service();
        var plan = await service.CreateAsync("Build a website");

        var error = await Assert.ThrowsAsync<KeelException>(() => service.ApproveAsync(plan.Hash, "ana"));

        Assert.Contains("freeze the plan", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RequireApproval_RefusesAnUnapprovedPlan_ThenRunsItOnceApproved()
    {
        var (service, pm, _, _, _) = Service(new OrchestrationServiceOptions { RequireApproval = true });
        var plan = await service.CreateAsync("Build a website");

        var error = await Assert.ThrowsAsync<KeelException>(() => service.RunAsync(plan));
        Assert.Contains("not approved", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, pm.CallCount);

        await service.ApproveAsync(plan.Hash, "ana");
        var result = await service.RunAsync("Build a website");

        Assert.Equal(WorkflowState.Completed, result.State);
    }

    [Fact]
    public async Task FindApprovedAsync_SimilarGoal_FindsTheApprovedPlan()
    {
        var (service, _, _, _, _) = Service();
        var site = await service.FreezeAsync(await service.CreateAsync("Build a portfolio website"));
        await service.FreezeAsync(await service.CreateAsync("Build a blog"));
        await service.ApproveAsync(site.Hash, "ana");

        var found = await service.FindApprovedAsync("a portfolio website for a photographer");

        Assert.Equal(site.Hash, Assert.Single(found).Hash);
        Assert.Empty(await service.FindApprovedAsync("train a classifier"));
    }

    [Fact]
    public async Task RunAsync_FrozenPlan_RunsItsDefinitionEvenWhenTheCatalogChanges()
    {
        var (service, _, _, _, runs) = Service();
        var plan = await service.FreezeAsync(await service.CreateAsync("Build a website"));

        // Another template now claims the goal, but the frozen plan runs as it was frozen.
        service.Orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("only", WorkerType.Coder, "")], name: "build_website"));
        var result = await service.RunAsync(plan);

        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal(plan.Hash, (await runs.GetRunAsync(result.RunId, CancellationToken.None))!.DefinitionHash);
    }

    [Fact]
    public async Task DryRunAsync_ScriptedReviewFailure_ShowsTheLoopWithoutCallingWorkers()
    {
        var (service, pm, coder, reviewer, runs) = Service();
        var plan = await service.CreateAsync("Build a website");

        var dry = await service.DryRunAsync(plan, new DryRunOptions { Outcomes = new Dictionary<string, IReadOnlyList<bool>> { ["review_code"] = [false] } });

        Assert.Equal(WorkflowState.Completed, dry.State);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], dry.Path);
        Assert.Equal((0, 0, 0), (pm.CallCount, coder.CallCount, reviewer.CallCount));
        Assert.Empty(await runs.ListRunsAsync(new RunQuery(), CancellationToken.None));
        Assert.Empty(await service.PlanStore.ListAsync());
    }

    [Fact]
    public async Task DryRunAsync_OutputsFollowTheDeclaredSchema()
    {
        var spec = KeelJson.Parse("""{"type":"object","properties":{"title":{"type":"string"},"sections":{"type":"array","items":{"type":"string"}}},"required":["title","sections"]}""");
        var workers = WorkerCatalog.Default.Select(w => w.WorkerType == WorkerType.ProductManager ? new WorkerDescriptor(w.WorkerType, w.Name, outputSchema: spec) : w).ToArray();
        var service = new OrchestrationService(new Orchestrator(), new CatalogPlanner(), options: new OrchestrationServiceOptions { Workers = workers });

        var dry = await service.DryRunAsync(await service.CreateAsync("Build a website"));

        var output = dry.Result.History[0].Output;
        Assert.Equal("title (dry run)", output.GetProperty("title").GetString());
        Assert.Equal(1, output.GetProperty("sections").GetArrayLength());
    }

    [Fact]
    public async Task ResumeAsync_RegistersTheFrozenPlanOfTheRun()
    {
        var (service, pm, coder, reviewer, runs) = Service();
        var plan = await service.FreezeAsync(await service.CreateAsync("Build a website"));
        var fresh = new Orchestrator(new OrchestratorOptions { RunStore = runs }).With(pm, coder, reviewer);
        var result = await service.RunAsync(plan);

        var again = new OrchestrationService(fresh, new CatalogPlanner(), service.PlanStore);
        var error = await Record.ExceptionAsync(() => again.ResumeAsync(result.RunId));

        // A completed run has nothing to resume, but the plan was found and registered by its hash.
        Assert.NotNull(fresh.GetWorkflow("build_website"));
        Assert.IsNotType<RunNotFoundException>(error);
    }

    [Fact]
    public async Task Plan_JsonRoundTrip_KeepsProvenance_AndRejectsATamperedDefinition()
    {
        var (service, _, _, _, _) = Service();
        var plan = await service.FreezeAsync(await service.CreateAsync("Build a website"));
        plan = await service.ApproveAsync(plan.Hash, "ana");

        var json = plan.ToJson();
        var back = Plan.FromJson(json);

        Assert.Equal(plan.Hash, back.Hash);
        Assert.Equal(plan.Goal, back.Goal);
        Assert.Equal(plan.Planning.Template, back.Planning.Template);
        Assert.Equal(plan.Planning.MatchedWords, back.Planning.MatchedWords);
        Assert.Equal(plan.Validation.Checks, back.Validation.Checks);
        Assert.Equal(plan.Approval, back.Approval);
        var error = Assert.Throws<KeelException>(() => Plan.FromJson(json.Replace("implement_code", "write_code", StringComparison.Ordinal)));
        Assert.Contains("altered", error.Message, StringComparison.Ordinal);
    }
}
