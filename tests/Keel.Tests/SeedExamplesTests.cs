using System.Text.Json;

namespace Keel.Tests;

/// <summary>
/// The examples of the seed README, written in C# nearly line for line, and run. When one of these stops
/// compiling or stops working, the public API has drifted from the contract.
/// </summary>
public sealed class SeedExamplesTests
{
    // --- worker functions of the examples -------------------------------------------------------

    private static object? ProductManagerFunction(JsonElement inputData, WorkflowContext context)
        => new { title = context.Goal, pages = new[] { "home", "projects", "contact" } };

    private static object? CoderFunction(JsonElement inputData, WorkflowContext context)
        => $"<html><h1>{inputData.GetProperty("specifications").GetProperty("title").GetString()}</h1></html>";

    private static object? ReviewerFunction(JsonElement inputData, WorkflowContext context)
        => new { approved = true };

    private static object? TransformInput(WorkflowContext context) => CoderInputTransformer(context);

    private static object? TransformOutput(object? output, WorkflowContext context) => CoderOutputTransformer(output, context);

    // Input transformer prepares data for worker
    private static Dictionary<string, object?> CoderInputTransformer(WorkflowContext context)
    {
        var specs = context.GetLastOutput("product_manager");
        return new Dictionary<string, object?>
        {
            ["specifications"] = specs,
            ["tech_stack"] = context.Data.Get("tech_stack", new List<string>()),
            ["constraints"] = context.Data.Get("constraints", new Dictionary<string, object?>()),
        };
    }

    // Output transformer processes worker output
    private static Dictionary<string, object?> CoderOutputTransformer(object? output, WorkflowContext context)
        => new()
        {
            ["code"] = output,
            ["timestamp"] = DateTime.Now.ToString("o"),
            ["version"] = context.WorkflowId,
        };

    // The seed's first transformer: the product manager's specs as the coder's input.
    private static object? CoderSpecsTransformer(WorkflowContext context)
        => context.GetLastOutput(WorkerType.ProductManager.Value);

    // --- 2. Workers ----------------------------------------------------------------------------

    [Fact]
    public async Task Workers_DefinitionWithTransformers_RegistersAndRuns()
    {
        var orchestrator = new Orchestrator();

        var worker = new WorkerDefinition(
            workerType: WorkerType.Coder,
            name: "Coder",
            description: "Implements code based on specifications",
            executor: CoderFunction,
            inputTransformer: TransformInput,
            outputTransformer: TransformOutput);

        orchestrator.RegisterWorker(worker);
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.ProductManager, name: "Product Manager", description: "Creates specifications", executor: ProductManagerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Reviews code", executor: ReviewerFunction));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync(
            workflowName: "build_website",
            goal: "Portfolio",
            data: new Dictionary<string, object?> { ["tech_stack"] = new[] { "html", "css" } });

        Assert.Equal(WorkflowState.Completed, result.State);
        var coderEntry = result.History[1];
        Assert.Equal("Portfolio", coderEntry.Input.GetProperty("specifications").GetProperty("title").GetString());
        Assert.Equal(["html", "css"], coderEntry.Input.GetProperty("tech_stack").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Object, coderEntry.Input.GetProperty("constraints").ValueKind);
        Assert.Equal("<html><h1>Portfolio</h1></html>", coderEntry.Output.GetProperty("code").GetString());
        Assert.Equal(result.RunId, coderEntry.Output.GetProperty("version").GetString());
    }

    // --- 3. Workflow ---------------------------------------------------------------------------

    [Fact]
    public void Workflow_DefinitionAndInitialStep_ReadLikeTheSeed()
    {
        var workflow = new WorkflowDefinition(
            name: "build_website",
            description: "Build a website from requirements",
            goal: "Create a functional website");

        workflow.AddStep(
            new WorkflowStep(
                stepId: "create_specs",
                workerType: WorkerType.ProductManager,
                description: "Product Manager creates technical specifications",
                onSuccess: "implement_code",
                onFailure: "failed"),
            isInitial: true);

        Assert.Equal("create_specs", workflow.InitialStep);
        Assert.Equal("implement_code", workflow.Steps[0].OnSuccess);
        Assert.Equal(WorkflowStep.Failed, workflow.Steps[0].OnFailure);
    }

    // --- 4. Transformer middleware ---------------------------------------------------------------

    [Fact]
    public async Task TransformerMiddleware_CoderGetsTheProductManagersOutput()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.ProductManager, name: "Product Manager", description: "Creates specifications", executor: ProductManagerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(
            workerType: WorkerType.Coder,
            name: "Coder",
            description: "Implements code",
            executor: (inputData, context) => $"<h1>{inputData.GetProperty("title").GetString()}</h1>",
            inputTransformer: CoderSpecsTransformer));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Reviews code", executor: ReviewerFunction));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Blog");

        Assert.Equal("<h1>Blog</h1>", result.History[1].Output.GetString());
    }

    // --- Usage: basic example -------------------------------------------------------------------

    [Fact]
    public async Task Usage_BasicExample_RunsTheBuildWebsitePipeline()
    {
        // 1. Create orchestrator
        var orchestrator = new Orchestrator();

        // 2. Register workers
        orchestrator.RegisterWorker(
            new WorkerDefinition(
                workerType: WorkerType.ProductManager,
                name: "Product Manager",
                description: "Creates specifications",
                executor: ProductManagerFunction));

        orchestrator.RegisterWorker(
            new WorkerDefinition(
                workerType: WorkerType.Coder,
                name: "Coder",
                description: "Implements code",
                executor: (inputData, context) => "<html>" + inputData.GetProperty("title").GetString() + "</html>"));

        // 3. Register workflow
        var workflow = Workflows.CreateBuildWebsiteWorkflow();
        orchestrator.RegisterWorkflow(workflow);

        // The build-website workflow also has a review step: Keel refuses to start a run whose worker is missing.
        var missing = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("build_website", "Build a portfolio website"));
        Assert.Contains("'reviewer'", missing.Message, StringComparison.Ordinal);
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Reviews code", executor: ReviewerFunction));

        // 4. Execute workflow
        var result = await orchestrator.ExecuteWorkflowAsync(
            workflowName: "build_website",
            goal: "Build a portfolio website",
            verbose: true);

        Console.WriteLine($"Final State: {result.State}");
        Console.WriteLine($"History: {JsonSerializer.Serialize(result.History, KeelJson.Options)}");

        Assert.Equal(WorkflowState.Completed, result.State);
        // The orchestrator follows this exact path - no AI decisions
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal(WorkflowStep.Complete, result.CurrentStep);
    }

    // --- Pre-built workflows --------------------------------------------------------------------

    [Fact]
    public async Task PrebuiltWorkflows_GenericPipelineFromTuples_RunsInOrder()
    {
        var workflow = Workflows.CreateGenericPipeline([
            ("analyze", WorkerType.ProductManager, "Analyze requirements"),
            ("design", WorkerType.Coder, "Design solution"),
            ("implement", WorkerType.Coder, "Implement code"),
            ("test", WorkerType.Tester, "Test implementation"),
            ("deploy", WorkerType.Deployer, "Deploy to production"),
        ]);

        var orchestrator = new Orchestrator();
        foreach (var type in new[] { WorkerType.ProductManager, WorkerType.Coder, WorkerType.Tester, WorkerType.Deployer })
        {
            orchestrator.RegisterWorker(new WorkerDefinition(workerType: type, name: type.Value, description: type.Value, executor: (inputData, context) => context.CurrentStep));
        }

        orchestrator.RegisterWorkflow(workflow);
        var result = await orchestrator.ExecuteWorkflowAsync(workflowName: "generic_pipeline", goal: "Ship it");

        Assert.Equal(["analyze", "design", "implement", "test", "deploy"], result.Path);
        Assert.Equal("deploy", result.FinalOutput!.Value.GetString());
        Assert.Equal("Deploy to production", workflow.Steps[^1].Description);
    }

    // --- Key features 4: failure handling -------------------------------------------------------

    [Fact]
    public async Task FailureHandling_LoopBackWithRetries()
    {
        var step = new WorkflowStep(
            stepId: "implement_code",
            workerType: WorkerType.Coder,
            description: "Implement code",
            onSuccess: "review_code",
            onFailure: "create_specs",  // Loop back on failure
            maxRetries: 2);             // Retry up to 2 times

        var workflow = new WorkflowDefinition(name: "with_fallback", description: "Failure paths", goal: "Build");
        workflow.AddStep(new WorkflowStep(stepId: "create_specs", workerType: WorkerType.ProductManager, description: "Specs", onSuccess: "implement_code", onFailure: "failed"), isInitial: true);
        workflow.AddStep(step);
        workflow.AddStep(new WorkflowStep(stepId: "review_code", workerType: WorkerType.Reviewer, description: "Review", onSuccess: "complete"));

        var coderCalls = 0;
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.ProductManager, name: "PM", description: "Specs", executor: ProductManagerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(
            workerType: WorkerType.Coder,
            name: "Coder",
            description: "Code",
            executor: (inputData, context) => ++coderCalls <= 3 ? throw new InvalidOperationException("does not compile") : "<html/>"));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Review", executor: ReviewerFunction));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("with_fallback", "Portfolio");

        Assert.True(result.State == WorkflowState.Completed, result.Error);
        Assert.Equal(["create_specs", "implement_code", "create_specs", "implement_code", "review_code"], result.Path);
        Assert.Equal(4, coderCalls);
    }

    // --- Key features 5: workflow context -------------------------------------------------------

    private static object? WorkerFunction(JsonElement inputData, WorkflowContext context)
    {
        // Access goal
        Console.WriteLine($"Goal: {context.Goal}");

        // Access previous outputs
        var prevOutput = context.GetLastOutput();

        // Access specific worker output
        var specs = context.GetLastOutput("product_manager");

        // Store data for later steps
        context.Data["important_info"] = "value";

        return new { saw_previous = prevOutput is not null, saw_specs = specs?.GetProperty("title").GetString(), run = context.WorkflowId, step = context.CurrentStep, state = context.State.ToString() };
    }

    [Fact]
    public async Task WorkflowContext_WorkerReadsGoalOutputsAndWritesTheDataBus()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.ProductManager, name: "PM", description: "Specs", executor: ProductManagerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Coder, name: "Coder", description: "Code", executor: WorkerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Review", executor: (inputData, context) => context.Data["important_info"]));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        var coderOutput = result.History[1].Output;
        Assert.True(coderOutput.GetProperty("saw_previous").GetBoolean());
        Assert.Equal("Portfolio", coderOutput.GetProperty("saw_specs").GetString());
        Assert.Equal(result.WorkflowId, coderOutput.GetProperty("run").GetString());
        Assert.Equal("implement_code", coderOutput.GetProperty("step").GetString());
        Assert.Equal("Running", coderOutput.GetProperty("state").GetString());
        Assert.Equal("value", result.FinalOutput!.Value.GetString());
        Assert.Equal("value", result.Data["important_info"].GetString());
    }

    // --- Benefits 3: observability (the audit trail) --------------------------------------------

    [Fact]
    public async Task Observability_FullAuditTrail()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.ProductManager, name: "PM", description: "Specs", executor: ProductManagerFunction));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Coder, name: "Coder", description: "Code", executor: (inputData, context) => "<html/>"));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Reviewer", description: "Review", executor: ReviewerFunction));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        // Full audit trail
        var lines = new List<string>();
        foreach (var entry in result.History)
        {
            lines.Add($"{entry.WorkerType}: {entry.Timestamp}");
        }

        Assert.Equal(3, lines.Count);
        Assert.StartsWith("product_manager: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("coder: ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("reviewer: ", lines[2], StringComparison.Ordinal);
    }

    // --- Best practices 3: clear failure paths --------------------------------------------------

    [Fact]
    public async Task BestPractices_ExplicitFailureHandling()
    {
        var workflow = new WorkflowDefinition(name: "risky", description: "Explicit failure paths", goal: "Try");
        workflow.AddStep(
            new WorkflowStep(
                stepId: "risky_step",
                workerType: WorkerType.Coder,
                onSuccess: "next_step",
                onFailure: "fallback_step",
                maxRetries: 2),
            isInitial: true);
        workflow.AddStep(new WorkflowStep(stepId: "next_step", workerType: WorkerType.Tester));
        workflow.AddStep(new WorkflowStep(stepId: "fallback_step", workerType: WorkerType.Reviewer));

        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Coder, name: "Risky", description: "Fails", executor: (inputData, context) => throw new TimeoutException("upstream")));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Tester, name: "Next", description: "Next", executor: (inputData, context) => "next"));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Reviewer, name: "Fallback", description: "Fallback", executor: (inputData, context) => "fallback"));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("risky", "Try");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["risky_step", "fallback_step"], result.Path);
        Assert.Equal(3, result.History.Count(e => e.StepId == "risky_step"));
        Assert.Equal("fallback", result.FinalOutput!.Value.GetString());
    }

    // --- Extension points: custom workers and custom workflows ----------------------------------

    private static readonly WorkerType DataScientist = new("data_scientist");
    private static readonly WorkerType SecurityAuditor = "security_auditor";
    private static readonly WorkerType PerformanceOptimizer = new WorkerType("performance_optimizer");

    private static WorkflowDefinition CreateMlPipeline()
    {
        // Machine Learning Pipeline.
        var workflow = new WorkflowDefinition(
            name: "ml_pipeline",
            description: "Train and deploy ML model",
            goal: "Build ML model");

        workflow.AddStep(new WorkflowStep(stepId: "collect_data", workerType: DataScientist, description: "Data collection", onSuccess: "engineer_features"), isInitial: true);
        workflow.AddStep(new WorkflowStep(stepId: "engineer_features", workerType: DataScientist, description: "Feature engineering", onSuccess: "train_model"));
        workflow.AddStep(new WorkflowStep(stepId: "train_model", workerType: PerformanceOptimizer, description: "Model training", onSuccess: "validate_model", maxRetries: 1));
        workflow.AddStep(new WorkflowStep(stepId: "validate_model", workerType: SecurityAuditor, description: "Validation", onSuccess: "deploy_model", onFailure: "engineer_features"));
        workflow.AddStep(new WorkflowStep(stepId: "deploy_model", workerType: WorkerType.Deployer, description: "Deployment", onSuccess: "complete"));

        return workflow;
    }

    [Fact]
    public async Task Extensions_CustomWorkerTypesAndACustomWorkflow()
    {
        Assert.Equal("data_scientist", DataScientist.Value);
        Assert.Equal(new WorkerType("security_auditor"), SecurityAuditor);

        var validations = 0;
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: DataScientist, name: "Data Scientist", description: "Data and features", executor: (inputData, context) => context.CurrentStep));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: PerformanceOptimizer, name: "Trainer", description: "Trains", executor: (inputData, context) => new { accuracy = 0.93 }));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: "security_auditor", name: "Auditor", description: "Validates", executor: (inputData, context) => ++validations == 1 ? throw new InvalidOperationException("leaks training data") : "clean"));
        orchestrator.RegisterWorker(new WorkerDefinition(workerType: WorkerType.Deployer, name: "Deployer", description: "Deploys", executor: (inputData, context) => "deployed"));
        orchestrator.RegisterWorkflow(CreateMlPipeline());

        var result = await orchestrator.ExecuteWorkflowAsync("ml_pipeline");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["collect_data", "engineer_features", "train_model", "validate_model", "engineer_features", "train_model", "validate_model", "deploy_model"], result.Path);
        Assert.Equal("data_scientist", result.History[0].WorkerType.Value);
    }

    [Fact]
    public async Task Extensions_PrebuiltMlPipeline_Runs()
    {
        var orchestrator = new Orchestrator();
        foreach (var type in new[] { Workflows.DataEngineer, Workflows.DataScientist, Workflows.MlEngineer, WorkerType.Tester, WorkerType.Deployer })
        {
            orchestrator.RegisterWorker(new WorkerDefinition(workerType: type, name: type.Value, description: type.Value, executor: (inputData, context) => context.CurrentStep));
        }

        orchestrator.RegisterWorkflow(Workflows.CreateMlPipeline());
        var result = await orchestrator.ExecuteWorkflowAsync("ml_pipeline");

        Assert.Equal(["collect_data", "engineer_features", "train_model", "validate_model", "deploy_model"], result.Path);
    }

    // --- Integration with an existing agent system ----------------------------------------------

    private sealed class DoerAgent
    {
        public Dictionary<string, string> Run(string input) => new() { ["response"] = "done: " + input };
    }

    // Use DoerAgent as a worker
    private static object? DoerWorker(JsonElement inputData, WorkflowContext context)
    {
        var doer = new DoerAgent();
        var result = doer.Run(inputData.ToString());
        return result["response"];
    }

    [Fact]
    public async Task Integration_AgentAsAWorker()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(
            new WorkerDefinition(
                workerType: WorkerType.Coder,
                name: "AI Coder",
                description: "AI-powered coding agent",
                executor: DoerWorker));
        orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("implement", WorkerType.Coder, "Implement code")]));

        var result = await orchestrator.ExecuteWorkflowAsync("generic_pipeline", "a landing page");

        Assert.Equal("done: a landing page", result.FinalOutput!.Value.GetString());
        Assert.Equal("AI Coder", result.History[0].WorkerName);
    }
}
