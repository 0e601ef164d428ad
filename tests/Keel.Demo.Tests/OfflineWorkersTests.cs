namespace Keel.Demo.Tests;

public sealed class OfflineWorkersTests
{
    private static Orchestrator CreateOrchestrator(DemoOptions? options = null)
    {
        var orchestrator = new Orchestrator();
        foreach (var worker in OfflineWorkers.All(options))
        {
            orchestrator.RegisterWorker(worker);
        }

        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return orchestrator;
    }

    [Fact]
    public async Task Execute_ReviewerFails_LoopsBackToCoder()
    {
        var result = await CreateOrchestrator().ExecuteWorkflowAsync("build_website", "Build a portfolio website");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], result.Path);

        var firstReview = result.History[2];
        Assert.Equal(AttemptOutcome.Failed, firstReview.Outcome);
        Assert.Equal("implement_code", firstReview.NextStep);
        Assert.Contains("missing 1 of 4 section(s) of the spec: 'contact' (Contact)", firstReview.Error, StringComparison.Ordinal);

        var firstDraft = KeelJson.Deserialize<SitePage>(result.History[1].Output)!;
        var secondDraft = KeelJson.Deserialize<SitePage>(result.History[3].Output)!;
        Assert.Equal(["about", "projects", "skills"], firstDraft.Sections);
        Assert.Equal(["about", "projects", "skills", "contact"], secondDraft.Sections);
        Assert.Equal(2, secondDraft.Draft);
        Assert.Equal(firstReview.Error, secondDraft.Addresses);

        var report = result.GetFinalOutput<ReviewReport>()!;
        Assert.True(report.Approved);
        Assert.Equal(2, report.Draft);
        Assert.Equal(["about", "projects", "skills", "contact"], report.SectionsChecked);
    }

    [Fact]
    public async Task Execute_CoderDoesNotForget_CompletesInThreeSteps()
    {
        var result = await CreateOrchestrator(new DemoOptions { CoderForgetsASection = false })
            .ExecuteWorkflowAsync("build_website", "Build a blog");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.All(result.History, entry => Assert.Equal(AttemptOutcome.Succeeded, entry.Outcome));
        Assert.Equal("Blog", result.GetFinalOutput<ReviewReport>()!.Title);
    }

    [Fact]
    public async Task Execute_SameGoalTwice_RecordsSameOutputs()
    {
        var orchestrator = CreateOrchestrator();

        var first = await orchestrator.ExecuteWorkflowAsync("build_website", "Build a restaurant website");
        var second = await orchestrator.ExecuteWorkflowAsync("build_website", "Build a restaurant website");

        Assert.Equal(
            first.History.Select(e => KeelJson.ToText(e.Output) + e.Error),
            second.History.Select(e => KeelJson.ToText(e.Output) + e.Error));
    }

    [Fact]
    public async Task Execute_RecordsEachOutputAndInputAsKeelWritesTheRecord()
    {
        // The workers write their records from generated metadata; what they record must be byte for byte
        // what Keel's own serializer writes for the same record (names, encoder, order).
        var result = await CreateOrchestrator().ExecuteWorkflowAsync("build_website", "Build a <b>portfolio</b> & \"shop\"");

        var spec = KeelJson.Deserialize<SiteSpec>(result.History[0].Output)!;
        var draft = KeelJson.Deserialize<SitePage>(result.History[3].Output)!;
        var report = KeelJson.Deserialize<ReviewReport>(result.History[4].Output)!;
        Assert.Equal(KeelJson.ToText(KeelJson.Normalize(spec)), KeelJson.ToText(result.History[0].Output));
        Assert.Equal(KeelJson.ToText(KeelJson.Normalize(draft)), KeelJson.ToText(result.History[3].Output));
        Assert.Equal(KeelJson.ToText(KeelJson.Normalize(report)), KeelJson.ToText(result.History[4].Output));
        Assert.Contains("\"sections_checked\"", KeelJson.ToText(result.History[4].Output), StringComparison.Ordinal);
        Assert.Equal(
            KeelJson.ToText(KeelJson.Normalize(new ReviewInput(spec, draft))),
            KeelJson.ToText(result.History[4].Input));
    }

    [Fact]
    public async Task Reviewer_WithoutASpec_FailsNamingWhatIsMissing()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(OfflineWorkers.Reviewer());
        orchestrator.RegisterWorkflow(new WorkflowDefinition("review_only").AddStep(new WorkflowStep("review", WorkerType.Reviewer), isInitial: true));

        var result = await orchestrator.ExecuteWorkflowAsync("review_only", "anything");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("no product manager output", result.History[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void All_GivesTheThreeWorkersOfTheBuildWebsitePipeline()
    {
        var workers = OfflineWorkers.All();

        Assert.Equal([WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer], workers.Select(w => w.WorkerType));
        Assert.Equal(["Product Manager", "Coder", "Reviewer"], workers.Select(w => w.Name));
    }
}
