namespace Keel.AI.Tests;

public sealed class RoutingReplayTests
{
    /// <summary>Runs build_website twice with function workers: one clean run, one where the first review fails.</summary>
    private static async Task<List<(string RunId, IReadOnlyList<HistoryEntry> History)>> RecordRunsAsync(InMemoryRunStore? store = null)
    {
        store ??= new InMemoryRunStore();
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.ProductManager, "PM", (input, _) => new { title = input.GetString() }));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Coder, "Coder", (input, _) => "<html/>"));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Reviewer, "Reviewer", (_, context) =>
            context.Goal.Contains("strict", StringComparison.Ordinal) && context.Attempt.Visit == 1
                ? throw new InvalidOperationException("the page has no alt texts")
                : new { approved = true }));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var clean = await orchestrator.ExecuteWorkflowAsync("build_website", "portfolio", new ExecuteOptions { RunId = "clean" });
        var strict = await orchestrator.ExecuteWorkflowAsync("build_website", "strict portfolio", new ExecuteOptions { RunId = "strict" });
        Assert.Equal(["create_specs", "implement_code", "review_code"], clean.Path);
        Assert.Equal(["create_specs", "implement_code", "review_code", "implement_code", "review_code"], strict.Path);

        var runs = new List<(string, IReadOnlyList<HistoryEntry>)>();
        foreach (var run in await store.ListRunsAsync(new RunQuery(), CancellationToken.None))
        {
            runs.Add((run.RunId, await store.GetHistoryAsync(run.RunId, CancellationToken.None)));
        }

        return runs.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private static WorkflowDefinition Edited(Func<WorkflowStep, WorkflowStep> change, int? maxSteps = null)
    {
        var original = Workflows.CreateBuildWebsiteWorkflow();
        var edited = new WorkflowDefinition(original.Name, original.Description, original.Goal) { MaxSteps = maxSteps ?? original.MaxSteps };
        foreach (var step in original.Steps)
        {
            edited.AddStep(change(step), isInitial: step.StepId == original.InitialStep);
        }

        return edited;
    }

    [Fact]
    public async Task UnchangedDefinition_EveryRunTakesTheSamePath()
    {
        var runs = await RecordRunsAsync();

        var report = RoutingReplay.Compare(Workflows.CreateBuildWebsiteWorkflow(), runs);

        Assert.True(report.AllSamePath, report.ToString());
        Assert.All(report.Runs, r => Assert.Equal(r.RecordedPath, r.ReplayedPath));
    }

    [Fact]
    public async Task ChangedFailurePath_IsReportedAtTheStepWithTheReason_AndTheUnrecordedOutcomeItNeeds()
    {
        var runs = await RecordRunsAsync();
        var edited = Edited(s => s.StepId == "review_code" ? s with { OnFailure = "create_specs" } : s);

        var report = RoutingReplay.Compare(edited, runs);

        var clean = report.Runs.Single(r => r.RunId == "clean");
        Assert.Equal(RoutingVerdict.SamePath, clean.Verdict);
        var strict = report.Runs.Single(r => r.RunId == "strict");
        Assert.Equal(RoutingVerdict.NeedsUnrecordedOutcome, strict.Verdict);
        Assert.Equal("review_code", strict.DivergedAtStep);
        Assert.Equal(2, strict.DivergedAtSequence);
        Assert.Equal("on_failure of review_code now goes to create_specs (was implement_code)", strict.Reason);
        Assert.Equal("step 'create_specs' visit 2 attempt 1", strict.MissingOutcome);
        Assert.Contains("strict: diverges at step 'review_code' (entry 2): on_failure of review_code now goes to create_specs (was implement_code); then needs an outcome not recorded", report.ToString());
    }

    [Fact]
    public async Task MoreRetries_AreReportedAsARetryWhereTheRunMovedOn()
    {
        var runs = await RecordRunsAsync();
        var edited = Edited(s => s.StepId == "review_code" ? s with { MaxRetries = 1 } : s);

        var strict = RoutingReplay.Compare(edited, runs).Runs.Single(r => r.RunId == "strict");

        Assert.Equal(RoutingVerdict.NeedsUnrecordedOutcome, strict.Verdict);
        Assert.Equal("'review_code' now retries after attempt 1 (max_retries 1) where the run went to 'implement_code'", strict.Reason);
        Assert.Equal("step 'review_code' visit 1 attempt 2", strict.MissingOutcome);
    }

    [Fact]
    public async Task SmallerStepBudget_DivergesWithEveryOutcomeRecorded()
    {
        var runs = await RecordRunsAsync();
        var edited = Edited(s => s, maxSteps: 4);

        var report = RoutingReplay.Compare(edited, runs);

        Assert.Equal(RoutingVerdict.SamePath, report.Runs.Single(r => r.RunId == "clean").Verdict);
        var strict = report.Runs.Single(r => r.RunId == "strict");
        Assert.Equal(RoutingVerdict.Diverges, strict.Verdict);
        Assert.Equal("implement_code", strict.DivergedAtStep);
        Assert.Equal("the step budget of 4 step visits is spent before leaving 'implement_code' (the run went to 'review_code')", strict.Reason);
        Assert.Equal("implement_code#2.1 -> failed", strict.ReplayedPath[^1]);
        Assert.Null(strict.MissingOutcome);
    }

    [Fact]
    public async Task NewInitialStep_DivergesAtTheFirstEntry()
    {
        var runs = await RecordRunsAsync();
        var edited = new WorkflowDefinition("build_website");
        edited.AddStep(new WorkflowStep("triage", WorkerType.ProductManager, onSuccess: "create_specs"), isInitial: true);
        foreach (var step in Workflows.CreateBuildWebsiteWorkflow().Steps)
        {
            edited.AddStep(step);
        }

        var clean = RoutingReplay.Compare(edited, runs).Runs.Single(r => r.RunId == "clean");

        Assert.Equal(RoutingVerdict.NeedsUnrecordedOutcome, clean.Verdict);
        Assert.Equal("the run now starts at 'triage' (was 'create_specs')", clean.Reason);
        Assert.Equal("step 'triage' visit 1 attempt 1", clean.MissingOutcome);
    }

    [Fact]
    public void InvalidEditedDefinition_IsRefusedWithItsProblems()
    {
        var edited = Edited(s => s.StepId == "review_code" ? s with { OnFailure = "nowhere" } : s);

        var error = Assert.Throws<WorkflowValidationException>(() => RoutingReplay.Compare(edited, []));

        Assert.Contains("nowhere", error.Message);
    }

    [Fact]
    public async Task StoredRuns_AreReplayedFromTheStore()
    {
        var store = new InMemoryRunStore();
        await RecordRunsAsync(store);

        var report = await RoutingReplay.CompareAsync(Edited(s => s.StepId == "review_code" ? s with { OnFailure = "create_specs" } : s), store);

        Assert.Equal(["clean: same path", "strict: diverges at step 'review_code' (entry 2): on_failure of review_code now goes to create_specs (was implement_code); then needs an outcome not recorded: step 'create_specs' visit 2 attempt 1"], report.Runs.OrderBy(r => r.RunId, StringComparer.Ordinal).Select(r => r.ToString()));
    }
}
