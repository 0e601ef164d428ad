namespace Keel.Tests.Model;

public sealed class ConstructValidationTests
{
    private static WorkflowDefinition With(WorkflowStep step)
    {
        var workflow = new WorkflowDefinition("constructs");
        workflow.AddStep(new WorkflowStep("start", WorkerType.Coder, onSuccess: step.StepId), isInitial: true);
        workflow.AddStep(step);
        return workflow;
    }

    private static void AssertProblem(WorkflowDefinition workflow, string step, string field, string message)
    {
        var problems = workflow.Validate();
        Assert.Contains(problems, p => p.Workflow == workflow.Name && p.StepId == step && p.Field == field && p.Message.Contains(message, StringComparison.Ordinal));
        var thrown = Assert.Throws<WorkflowValidationException>(() => new Orchestrator().RegisterWorkflow(workflow));
        Assert.Contains($"step '{step}', field '{field}'", thrown.Message, StringComparison.Ordinal);
    }

    private static readonly Branch[] TwoBranches = [new("a", WorkerType.Coder), new("b", WorkerType.Reviewer)];

    [Fact]
    public void Register_ParallelStepWithATimeoutOrRetryDelayOfItsOwn_IsRefused_NotIgnored()
    {
        AssertProblem(With(WorkflowStep.Parallel("fan", TwoBranches) with { Timeout = TimeSpan.FromSeconds(1) }), "fan", "timeout", "give each branch its timeout");
        AssertProblem(With(WorkflowStep.Parallel("fan", TwoBranches) with { RetryDelay = TimeSpan.FromSeconds(1) }), "fan", "retry_delay", "give each branch its retry_delay");
    }

    [Fact]
    public void Register_ABranchNamedJoin_IsRefused()
        => AssertProblem(With(WorkflowStep.Parallel("fan", [new("join", WorkerType.Coder), new("x", WorkerType.Coder)])), "fan", "parallel[0].name", "'join' is the name of the step's join");

    [Fact]
    public void Register_JoinOrMaxParallelOnAPlainStep_IsRefused()
    {
        AssertProblem(With(new WorkflowStep("plain", WorkerType.Coder) { Join = JoinMode.Any }), "plain", "join", "only a parallel or map step joins");
        AssertProblem(With(new WorkflowStep("plain", WorkerType.Coder) { MaxParallel = 3 }), "plain", "max_parallel", "only a parallel or map step runs units at once");
    }

    [Fact]
    public void Register_OnSuccessOnALabelledStep_IsRefused_ItWouldNeverBeTaken()
        => AssertProblem(
            With(new WorkflowStep("review", WorkerType.Reviewer, onSuccess: "start") { LabelFrom = LabelReader.Field("verdict"), OnLabel = new Dictionary<string, string> { ["approve"] = "complete" } }),
            "review", "on_success", "is never taken");

    [Fact]
    public void Register_LabelFieldOnAParallelStep_IsRefused_ItsOutputIsAList()
        => AssertProblem(
            With(WorkflowStep.Parallel("fan", TwoBranches) with { LabelFrom = LabelReader.Field("verdict"), OnLabel = new Dictionary<string, string> { ["approve"] = "complete" } }),
            "fan", "label_field", "is a list, which has no field 'verdict'");

    [Fact]
    public void Register_LabelWithNoTarget_NamesTheLabel()
        => AssertProblem(
            With(new WorkflowStep("review", WorkerType.Reviewer) { LabelFrom = LabelReader.Field("verdict"), OnLabel = new Dictionary<string, string> { ["approve"] = "complete", ["request_changes"] = "" } }),
            "review", "on_label.request_changes", "label has no target");

    [Fact]
    public void Register_LabelWithUnknownTarget_NamesTheLabelAndTarget()
        => AssertProblem(
            With(new WorkflowStep("review", WorkerType.Reviewer) { LabelFrom = LabelReader.Field("verdict"), OnLabel = new Dictionary<string, string> { ["approve"] = "ship" } }),
            "review", "on_label.approve", "unknown step 'ship'");

    [Fact]
    public void Register_LabelsWithoutReader_AskForOne()
        => AssertProblem(
            With(new WorkflowStep("review", WorkerType.Reviewer) { OnLabel = new Dictionary<string, string> { ["approve"] = "complete" } }),
            "review", "label_from", "needs code that reads the label");

    [Fact]
    public void Register_ReaderWithoutLabels_IsRefused()
        => AssertProblem(With(new WorkflowStep("review", WorkerType.Reviewer) { LabelFrom = LabelReader.Field("verdict") }), "review", "on_label", "maps no label");

    [Fact]
    public void Register_JoinOverNoBranches_IsRefused()
        => AssertProblem(With(WorkflowStep.Parallel("reviews", [])), "reviews", "parallel", "the join has no branches");

    [Fact]
    public void Register_BranchWithoutWorker_CannotReachTheJoin()
        => AssertProblem(With(WorkflowStep.Parallel("reviews", [new Branch("security", default)])), "reviews", "parallel[0].worker", "cannot reach the join");

    [Fact]
    public void Register_DuplicateBranch_IsRefused()
        => AssertProblem(
            With(WorkflowStep.Parallel("reviews", [new Branch("a", WorkerType.Reviewer), new Branch("a", WorkerType.Tester)])),
            "reviews", "parallel[1].name", "duplicate branch 'a'");

    [Fact]
    public void Register_MapWithoutItemBound_IsRefused()
        => AssertProblem(
            With(new WorkflowStep("pages", WorkerType.Coder) { Kind = StepKind.Map, MapItemsFrom = "pages" }),
            "pages", "map.max_items", "needs an upper bound");

    [Fact]
    public void Register_StepIdWithSlash_IsRefused()
        => AssertProblem(With(new WorkflowStep("a/b", WorkerType.Coder)), "a/b", "step_id", "must not contain '/'");

    [Fact]
    public void Register_MaxParallelBelowOne_IsRefused()
        => AssertProblem(With(WorkflowStep.Parallel("reviews", [new Branch("a", WorkerType.Reviewer)], maxParallel: 0)), "reviews", "max_parallel", "at least 1");

    [Fact]
    public void Register_LabelTargets_CountForReachability()
    {
        var workflow = new WorkflowDefinition("labels");
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer) { LabelFrom = LabelReader.Field("verdict"), OnLabel = new Dictionary<string, string> { ["approve"] = "complete", ["fix"] = "fix" } }, isInitial: true);
        workflow.AddStep(new WorkflowStep("fix", WorkerType.Coder, onSuccess: "review"));

        Assert.Empty(workflow.Validate());
        Assert.Empty(Workflows.CreateCodeReviewWorkflow().Validate());
    }
}
