namespace Keel.Tests.Model;

public sealed class WorkflowValidationTests
{
    private static WorkflowValidationException Register(WorkflowDefinition workflow)
        => Assert.Throws<WorkflowValidationException>(() => new Orchestrator().RegisterWorkflow(workflow));

    private static void AssertProblem(WorkflowValidationException error, string? stepId, string field, string fragment)
    {
        Assert.Contains(error.Problems, p => p.StepId == stepId && p.Field == field && p.Message.Contains(fragment, StringComparison.Ordinal));
        var line = error.Problems.First(p => p.StepId == stepId && p.Field == field).ToString();
        Assert.Contains($"workflow '{error.WorkflowName}'", line, StringComparison.Ordinal);
        if (stepId is not null)
        {
            Assert.Contains($"step '{stepId}'", line, StringComparison.Ordinal);
        }

        Assert.Contains($"field '{field}'", line, StringComparison.Ordinal);
        Assert.Contains(line, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_UnknownTarget_NamesWorkflowStepAndField()
    {
        var workflow = new WorkflowDefinition("typo_flow");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: "b", onFailure: "nowhere"), isInitial: true);
        workflow.AddStep(new WorkflowStep("b", "t", onSuccess: "complet"));

        var error = Register(workflow);

        Assert.Equal("typo_flow", error.WorkflowName);
        AssertProblem(error, "a", "on_failure", "'nowhere'");
        AssertProblem(error, "b", "on_success", "'complet'");
    }

    [Fact]
    public void Register_InitialStepWithANullId_IsRefusedAsAValidationProblem()
    {
        var workflow = new WorkflowDefinition("nameless");
        workflow.AddStep(new WorkflowStep(null!, "t"), isInitial: true);

        AssertProblem(Register(workflow), null, "step_id", "empty id");
    }

    [Fact]
    public void Register_NoInitialStep_IsRefused()
    {
        var workflow = new WorkflowDefinition("headless");
        workflow.AddStep(new WorkflowStep("a", "t"));

        AssertProblem(Register(workflow), null, "initial_step", "no initial step");
    }

    [Fact]
    public void Register_InitialStepUnknown_IsRefused()
    {
        var workflow = new WorkflowDefinition("lost_start") { InitialStep = "ghost" };
        workflow.AddStep(new WorkflowStep("a", "t"));

        AssertProblem(Register(workflow), null, "initial_step", "'ghost'");
    }

    [Fact]
    public void Register_NoSteps_IsRefused()
        => AssertProblem(Register(new WorkflowDefinition("empty")), null, "steps", "no steps");

    [Fact]
    public void Register_DuplicateIds_IsRefused()
    {
        var workflow = new WorkflowDefinition("twins");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: "b"), isInitial: true);
        workflow.AddStep(new WorkflowStep("b", "t"));
        workflow.AddStep(new WorkflowStep("b", "u"));

        AssertProblem(Register(workflow), "b", "step_id", "duplicate");
    }

    [Fact]
    public void Register_UnreachableStep_IsRefused()
    {
        var workflow = new WorkflowDefinition("island");
        workflow.AddStep(new WorkflowStep("a", "t"), isInitial: true);
        workflow.AddStep(new WorkflowStep("orphan", "t"));

        AssertProblem(Register(workflow), "orphan", "step_id", "unreachable");
    }

    [Fact]
    public void Register_NegativeRetries_IsRefused()
    {
        var workflow = new WorkflowDefinition("negative");
        workflow.AddStep(new WorkflowStep("a", "t", maxRetries: -1), isInitial: true);

        AssertProblem(Register(workflow), "a", "max_retries", "-1");
    }

    [Fact]
    public void Register_SuccessOnlyCycle_IsRefused()
    {
        var workflow = new WorkflowDefinition("spin");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: "b", onFailure: WorkflowStep.Complete), isInitial: true);
        workflow.AddStep(new WorkflowStep("b", "t", onSuccess: "a"));

        AssertProblem(Register(workflow), "a", "on_success", "loops forever");
    }

    [Fact]
    public void Register_CycleNothingLeaves_IsRefused()
    {
        var workflow = new WorkflowDefinition("trap");
        workflow.AddStep(new WorkflowStep("start", "t", onSuccess: WorkflowStep.Complete, onFailure: "x"), isInitial: true);
        workflow.AddStep(new WorkflowStep("x", "t", onSuccess: "y", onFailure: "y"));
        workflow.AddStep(new WorkflowStep("y", "t", onSuccess: "x", onFailure: "x"));

        var error = Register(workflow);

        AssertProblem(error, "x", "on_failure", "nothing lets the run leave");
        AssertProblem(error, "y", "on_failure", "nothing lets the run leave");
    }

    [Fact]
    public void Register_CompleteUnreachable_IsRefused()
    {
        var workflow = new WorkflowDefinition("doomed");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: WorkflowStep.Failed), isInitial: true);

        AssertProblem(Register(workflow), null, "on_success", "'complete' cannot be reached");
    }

    [Fact]
    public void Register_NegativeTimeoutAndDelay_AreShownInPlainUnits()
    {
        var workflow = new WorkflowDefinition("durations");
        workflow.AddStep(new WorkflowStep("a", "t", timeout: TimeSpan.FromMilliseconds(-500)) { RetryDelay = TimeSpan.FromMinutes(-2) }, isInitial: true);

        var error = Register(workflow);

        AssertProblem(error, "a", "timeout", "got -500 ms");
        AssertProblem(error, "a", "retry_delay", "got -2 min");
    }

    [Fact]
    public void Register_ManyProblems_AreReportedAtOnce()
    {
        var workflow = new WorkflowDefinition("mess");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: "b", onFailure: "ghost", maxRetries: -2), isInitial: true);
        workflow.AddStep(new WorkflowStep("b", "t", timeout: TimeSpan.Zero));
        workflow.AddStep(new WorkflowStep("b", "t"));
        workflow.AddStep(new WorkflowStep("orphan", "t"));

        var error = Register(workflow);

        AssertProblem(error, "a", "on_failure", "'ghost'");
        AssertProblem(error, "a", "max_retries", "-2");
        AssertProblem(error, "b", "timeout", "positive");
        AssertProblem(error, "b", "step_id", "duplicate");
        AssertProblem(error, "orphan", "step_id", "unreachable");
        Assert.True(error.Problems.Count >= 5);
    }

    [Fact]
    public void Register_ReservedIdAndEmptyWorkerTypeAndApprovalWithoutPrompt_AreRefused()
    {
        var workflow = new WorkflowDefinition("odd");
        workflow.AddStep(new WorkflowStep { StepId = "start", WorkerType = default, OnSuccess = "complete" }, isInitial: true);
        workflow.AddStep(new WorkflowStep("complete", "t"));
        workflow.AddStep(WorkflowStep.Approval("ask", "", onApproved: "complete"));

        var error = Register(workflow);

        AssertProblem(error, "start", "worker_type", "empty");
        AssertProblem(error, "complete", "step_id", "reserved");
        AssertProblem(error, "ask", "prompt", "prompt");
    }

    [Fact]
    public void Register_InvalidDefinition_RegistersNothing()
    {
        var orchestrator = new Orchestrator();
        var workflow = new WorkflowDefinition("broken");
        workflow.AddStep(new WorkflowStep("a", "t", onSuccess: "ghost"), isInitial: true);

        Assert.Throws<WorkflowValidationException>(() => orchestrator.RegisterWorkflow(workflow));

        Assert.Empty(orchestrator.Workflows);
    }

    [Fact]
    public void Register_LoopBackThroughFailure_IsValid()
    {
        Assert.Empty(Workflows.CreateBuildWebsiteWorkflow().Validate());
        Assert.Empty(Workflows.CreateMlPipeline().Validate());
    }

    [Fact]
    public void Register_LaterChangesToTheDefinition_DoNotAffectTheRegisteredSnapshot()
    {
        var orchestrator = new Orchestrator();
        var workflow = Workflows.CreateBuildWebsiteWorkflow();
        orchestrator.RegisterWorkflow(workflow);

        workflow.AddStep(new WorkflowStep("extra", "t"));

        Assert.Equal(3, orchestrator.GetWorkflow("build_website")!.Steps.Count);
    }
}
