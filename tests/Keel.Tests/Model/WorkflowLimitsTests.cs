namespace Keel.Tests.Model;

public sealed class WorkflowLimitsTests
{
    private static IReadOnlyList<ValidationProblem> Validate(WorkflowStep step)
        => new WorkflowDefinition("bounded").AddStep(step, isInitial: true).Validate();

    [Theory]
    [InlineData(101, "max_retries", "must be at most 100, got 101")]
    [InlineData(1_000_000_000, "max_retries", "must be at most 100, got 1000000000")]
    public void Validate_MaxRetriesAboveTheBound_NamesTheField(int retries, string field, string message)
    {
        var problem = Assert.Single(Validate(new WorkflowStep("a", "t", maxRetries: retries)));

        Assert.Equal(("a", field, message), (problem.StepId, problem.Field, problem.Message));
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(0.5)]
    [InlineData(11)]
    public void Validate_RetryBackoffOutsideOneToTen_IsAProblem(double backoff)
    {
        var problem = Assert.Single(Validate(new WorkflowStep("a", "t", retryDelay: TimeSpan.FromSeconds(1)) { RetryBackoff = backoff }));

        Assert.Equal("retry_backoff", problem.Field);
        Assert.StartsWith("must be from 1 to 10", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DurationsAboveTheirBounds_AreProblems()
    {
        var step = new WorkflowStep("a", "t", timeout: TimeSpan.FromDays(8), retryDelay: TimeSpan.FromDays(2)) { MaxRetryDelay = TimeSpan.FromDays(3) };

        var problems = Validate(step);

        Assert.Equal(["timeout", "retry_delay", "max_retry_delay"], problems.Select(p => p.Field));
        Assert.All(problems, p => Assert.StartsWith("must be at most", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AtTheBounds_IsValid()
    {
        var step = new WorkflowStep("a", "t", maxRetries: WorkflowLimits.MaxRetries, timeout: WorkflowLimits.MaxTimeout, retryDelay: WorkflowLimits.MaxRetryDelay)
        {
            RetryBackoff = WorkflowLimits.MaxRetryBackoff,
            MaxRetryDelay = WorkflowLimits.MaxRetryDelay,
        };

        Assert.Empty(Validate(step));
        Assert.Empty(new WorkflowDefinition("w") { MaxSteps = WorkflowLimits.MaxStepBudget }.AddStep(new WorkflowStep("a", "t"), isInitial: true).Validate());
    }

    [Fact]
    public void DelayBeforeRetry_AtTheBounds_StaysWithinMaxRetryDelay()
    {
        var step = new WorkflowStep("a", "t", maxRetries: WorkflowLimits.MaxRetries, retryDelay: WorkflowLimits.MaxRetryDelay) { RetryBackoff = WorkflowLimits.MaxRetryBackoff };

        Assert.Equal(step.MaxRetryDelay, step.DelayBeforeRetry(WorkflowLimits.MaxRetries + 1));
    }

    [Fact]
    public void Validate_TenThousandStepsWithLoopsBack_Finishes()
    {
        // Each step loops back to an earlier one on failure: the shape whose checks were once cubic.
        var workflow = new WorkflowDefinition("large");
        for (var i = 0; i < 10_000; i++)
        {
            workflow.AddStep(new WorkflowStep($"s{i}", "t", onSuccess: i + 1 < 10_000 ? $"s{i + 1}" : WorkflowStep.Complete, onFailure: i > 0 ? $"s{i / 2}" : null), isInitial: i == 0);
        }

        Assert.Empty(workflow.Validate());
        Assert.NotNull(new Orchestrator().RegisterWorkflow(workflow));
    }

    [Fact]
    public void Validate_SuccessCyclesAndTraps_InAWideGraph_AreEachReportedOnce()
    {
        var workflow = new WorkflowDefinition("cycles")
            .AddStep(new WorkflowStep("a", "t", onSuccess: "c", onFailure: "b"), isInitial: true)
            .AddStep(new WorkflowStep("b", "t", onSuccess: "complete"))
            .AddStep(new WorkflowStep("c", "t", onSuccess: "d", onFailure: "b"))
            .AddStep(new WorkflowStep("d", "t", onSuccess: "c", onFailure: "e"))
            .AddStep(new WorkflowStep("e", "t", onSuccess: "f", onFailure: "f"))
            .AddStep(new WorkflowStep("f", "t", onSuccess: "e", onFailure: "e"));

        var problems = workflow.Validate();

        Assert.Equal(
            ["e on_failure no path from this step reaches 'complete' or 'failed': it is in a cycle nothing lets the run leave",
             "f on_failure no path from this step reaches 'complete' or 'failed': it is in a cycle nothing lets the run leave",
             "c on_success the success path loops forever (c -> d -> c); a cycle must leave through a failure path",
             "e on_success the success path loops forever (e -> f -> e); a cycle must leave through a failure path"],
            problems.Select(p => $"{p.StepId} {p.Field} {p.Message}"));
    }
}
