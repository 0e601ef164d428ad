namespace Keel.Tests.Planning;

public sealed class PlanValidatorTests
{
    private static WorkflowDefinition Linear(params (string Id, WorkerType Type)[] steps)
        => Workflows.CreateGenericPipeline(steps.Select(s => (s.Id, s.Type, "")), name: "planned");

    [Fact]
    public void Validate_SeedTemplates_AreValid()
    {
        foreach (var template in PlanTemplate.Defaults)
        {
            var report = PlanValidator.Validate(template.Build(), WorkerCatalog.Default);
            Assert.True(report.IsValid, template.Name + ": " + string.Join("; ", report.Problems));
            Assert.NotEmpty(report.Checks);
        }
    }

    [Fact]
    public void Validate_UnknownWorker_NamesStepAndAllowlist()
    {
        var plan = Linear(("spec", WorkerType.ProductManager), ("run_shell", new WorkerType("shell")));

        var problem = Assert.Single(PlanValidator.Validate(plan, WorkerCatalog.Default).Problems);

        Assert.Equal(("run_shell", "worker"), (problem.StepId, problem.Field));
        Assert.Contains("'shell' is not allowed", problem.Message, StringComparison.Ordinal);
        Assert.Contains("product_manager", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CoderWithoutReview_IsAProblem()
    {
        var plan = Linear(("spec", WorkerType.ProductManager), ("code", WorkerType.Coder), ("test", WorkerType.Tester));

        var problem = Assert.Single(PlanValidator.Validate(plan, WorkerCatalog.Default).Problems);

        Assert.Equal("code", problem.StepId);
        Assert.Contains("reviewed by a 'reviewer'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReviewFailureThatCompletes_IsAProblem()
    {
        var plan = new WorkflowDefinition("planned")
            .AddStep(new WorkflowStep("code", WorkerType.Coder, onSuccess: "review"), isInitial: true)
            .AddStep(new WorkflowStep("review", WorkerType.Reviewer, onFailure: WorkflowStep.Complete));

        var problem = Assert.Single(PlanValidator.Validate(plan, WorkerCatalog.Default).Problems);

        Assert.Equal(("review", "on_failure"), (problem.StepId, problem.Field));
    }

    [Fact]
    public void Validate_LoopWithoutMaxSteps_IsUnbounded()
    {
        var plan = Workflows.CreateBuildWebsiteWorkflow();
        plan.MaxSteps = null;

        var problem = Assert.Single(PlanValidator.Validate(plan, WorkerCatalog.Default).Problems);

        Assert.Equal("max_steps", problem.Field);
        Assert.Contains("loops", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TooManyRetriesAndVisits_AreProblems()
    {
        var plan = new WorkflowDefinition("planned") { MaxSteps = 1000 }
            .AddStep(new WorkflowStep("spec", WorkerType.ProductManager, maxRetries: 50), isInitial: true);

        var problems = PlanValidator.Validate(plan, WorkerCatalog.Default).Problems;

        Assert.Contains(problems, p => p.Field == "max_retries" && p.StepId == "spec");
        Assert.Contains(problems, p => p.Field == "max_steps" && p.Message.Contains("1000", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_StructuralProblems_AreReportedToo()
    {
        var plan = new WorkflowDefinition("planned")
            .AddStep(new WorkflowStep("spec", WorkerType.ProductManager, onSuccess: "nowhere"), isInitial: true);

        var problems = PlanValidator.Validate(plan, WorkerCatalog.Default).Problems;

        Assert.Contains(problems, p => p.Field == "on_success" && p.Message.Contains("'nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_OutputMissingARequiredInputProperty_IsAProblem()
    {
        var workers = new[]
        {
            new WorkerDescriptor(WorkerType.ProductManager, "PM", outputSchema: KeelJson.Parse("""{"type":"object","properties":{"title":{"type":"string"}}}""")),
            new WorkerDescriptor(WorkerType.Coder, "Coder", inputSchema: KeelJson.Parse("""{"type":"object","properties":{"title":{"type":"string"},"sections":{"type":"array"}},"required":["title","sections"]}""")),
            new WorkerDescriptor(WorkerType.Reviewer, "Reviewer"),
        };

        var problem = Assert.Single(PlanValidator.Validate(Workflows.CreateBuildWebsiteWorkflow(), workers).Problems);

        Assert.Equal("implement_code", problem.StepId);
        Assert.Contains("'sections' is not produced", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutputOfTheWrongType_IsAProblem_AndAFittingOneIsNot()
    {
        static WorkerDescriptor[] Workers(string titleType) =>
        [
            new(WorkerType.ProductManager, "PM", inputSchema: KeelJson.Parse("""{"type":"string"}"""), outputSchema: KeelJson.Parse("{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"" + titleType + "\"}}}")),
            new(WorkerType.Coder, "Coder", inputSchema: KeelJson.Parse("""{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}""")),
            new(WorkerType.Reviewer, "Reviewer"),
        ];

        var wrong = PlanValidator.Validate(Workflows.CreateBuildWebsiteWorkflow(), Workers("integer")).Problems;
        var right = PlanValidator.Validate(Workflows.CreateBuildWebsiteWorkflow(), Workers("string")).Problems;

        Assert.Contains(wrong, p => p.StepId == "implement_code" && p.Message.Contains("$.title: produces integer, expected string", StringComparison.Ordinal));
        Assert.Empty(right);
    }

    [Fact]
    public void Validate_FirstStepThatCannotTakeTheGoal_IsAProblem()
    {
        var workers = WorkerCatalog.Default.Select(w => w.WorkerType == WorkerType.ProductManager
            ? new WorkerDescriptor(w.WorkerType, w.Name, inputSchema: KeelJson.Parse("""{"type":"object"}"""))
            : w).ToArray();

        var problem = Assert.Single(PlanValidator.Validate(Workflows.CreateBuildWebsiteWorkflow(), workers).Problems);

        Assert.Equal("create_specs", problem.StepId);
        Assert.Contains("the goal (a string)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EstimatedCostOverBudget_IsAProblem()
    {
        var estimator = new FixedCost(0.01m, 1000);
        var plan = Workflows.CreateBuildWebsiteWorkflow();

        var within = PlanValidator.Validate(plan, WorkerCatalog.Default, new PlanPolicy { MaxCost = 0.05m }, estimator);
        var over = PlanValidator.Validate(plan, WorkerCatalog.Default, new PlanPolicy { MaxCost = 0.02m }, estimator);

        Assert.True(within.IsValid);
        Assert.Equal(0.03m, within.Cost!.ExpectedCost);
        Assert.Equal(3000, within.Cost.ExpectedTokens);

        // Worst case: 12 visits of the dearest step with all its attempts (the coder: 3 x 0.01).
        Assert.Equal(0.36m, within.Cost.WorstCost);
        var problem = Assert.Single(over.Problems);
        Assert.Equal("budget", problem.Field);
        Assert.Contains("0.03", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BudgetWithoutEstimator_FailsClosed()
    {
        var report = PlanValidator.Validate(Workflows.CreateBuildWebsiteWorkflow(), WorkerCatalog.Default, new PlanPolicy { MaxCost = 1m });

        Assert.Contains(report.Problems, p => p.Field == "budget" && p.Message.Contains("no cost estimator", StringComparison.Ordinal));
    }

    private sealed class FixedCost(decimal cost, long tokens) : IPlanCostEstimator
    {
        public StepCostEstimate EstimateAttempt(WorkflowStep step) => new(step.StepId, "test-model", tokens / 2, tokens / 2, cost);
    }
}
