namespace Keel;

/// <summary>Ready-made workflows: the seed's build-website pipeline, generic linear pipelines and an ML pipeline.</summary>
public static class Workflows
{
    /// <summary>The data engineer worker type of the ML pipeline (<c>data_engineer</c>).</summary>
    public static WorkerType DataEngineer { get; } = new("data_engineer");

    /// <summary>The data scientist worker type of the ML pipeline (<c>data_scientist</c>).</summary>
    public static WorkerType DataScientist { get; } = new("data_scientist");

    /// <summary>The ML engineer worker type of the ML pipeline (<c>ml_engineer</c>).</summary>
    public static WorkerType MlEngineer { get; } = new("ml_engineer");

    /// <summary>The security reviewer of the code-review pipeline.</summary>
    public static WorkerType SecurityReviewer { get; } = new("security_reviewer");

    /// <summary>The performance reviewer of the code-review pipeline.</summary>
    public static WorkerType PerformanceReviewer { get; } = new("performance_reviewer");

    /// <summary>
    /// Product manager, coder, reviewer. The coder retries twice and falls back to the specs. The review's
    /// verdict (<see cref="LabelReader.ReviewVerdict"/>) routes: <c>approve</c> completes,
    /// <c>request_changes</c> sends the coder back with the review as its feedback, <c>reject</c> fails the
    /// run; a review that fails also sends the coder back. Loops are bounded by the step budget.
    /// </summary>
    public static WorkflowDefinition CreateBuildWebsiteWorkflow()
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
                onFailure: WorkflowStep.Failed,
                maxRetries: 1),
            isInitial: true);

        workflow.AddStep(new WorkflowStep(
            stepId: "implement_code",
            workerType: WorkerType.Coder,
            description: "Coder implements the specification",
            onSuccess: "review_code",
            onFailure: "create_specs",
            maxRetries: 2));

        workflow.AddStep(new WorkflowStep(
            stepId: "review_code",
            workerType: WorkerType.Reviewer,
            description: "Reviewer checks the code against the specification",
            onSuccess: WorkflowStep.Complete,
            onFailure: "implement_code")
        {
            LabelFrom = LabelReader.ReviewVerdict,
            OnLabel = new Dictionary<string, string>
            {
                ["approve"] = WorkflowStep.Complete,
                ["request_changes"] = "implement_code",
                ["reject"] = WorkflowStep.Failed,
            },
        });

        workflow.MaxSteps = 12;
        return workflow;
    }

    /// <summary>
    /// A code review: the coder writes the change, then a security review and a performance review run in
    /// parallel (each may retry once); when both pass the run completes, when either fails the coder gets
    /// the joined reviews back as its feedback. Loops are bounded by the step budget.
    /// </summary>
    public static WorkflowDefinition CreateCodeReviewWorkflow()
    {
        var workflow = new WorkflowDefinition("code_review", "Write a change and review it for security and performance", "Implement the change");
        workflow.AddStep(new WorkflowStep("implement_change", WorkerType.Coder, "Coder implements the change", onSuccess: "review_change", maxRetries: 1), isInitial: true);
        workflow.AddStep(WorkflowStep.Parallel(
            "review_change",
            [new Branch("security", SecurityReviewer, MaxRetries: 1), new Branch("performance", PerformanceReviewer, MaxRetries: 1)],
            onSuccess: WorkflowStep.Complete,
            onFailure: "implement_change",
            description: "Security and performance reviews, side by side"));
        workflow.MaxSteps = 12;
        return workflow;
    }

    /// <summary>A linear pipeline: each step goes to the next on success; any failure fails the run.</summary>
    public static WorkflowDefinition CreateGenericPipeline(
        IEnumerable<(string StepId, WorkerType WorkerType, string Description)> steps,
        string name = "generic_pipeline",
        string description = "A linear pipeline",
        string goal = "",
        int maxRetries = 0)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var list = steps.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A pipeline needs at least one step.", nameof(steps));
        }

        var workflow = new WorkflowDefinition(name, description, goal);
        for (var i = 0; i < list.Count; i++)
        {
            var (stepId, workerType, stepDescription) = list[i];
            workflow.AddStep(
                new WorkflowStep(
                    stepId: stepId,
                    workerType: workerType,
                    description: stepDescription,
                    onSuccess: i + 1 < list.Count ? list[i + 1].StepId : WorkflowStep.Complete,
                    onFailure: WorkflowStep.Failed,
                    maxRetries: maxRetries),
                isInitial: i == 0);
        }

        return workflow;
    }

    /// <summary>
    /// Machine learning: data collection, feature engineering, training, validation, deployment, with the
    /// custom worker types data_engineer, data_scientist and ml_engineer. A failed validation sends the
    /// run back to feature engineering.
    /// </summary>
    public static WorkflowDefinition CreateMlPipeline()
    {
        var workflow = new WorkflowDefinition("ml_pipeline", "Train and deploy ML model", "Build ML model");
        workflow.AddStep(new WorkflowStep("collect_data", DataEngineer, "Collect and clean the training data", onSuccess: "engineer_features", maxRetries: 2), isInitial: true);
        workflow.AddStep(new WorkflowStep("engineer_features", DataScientist, "Derive features from the data", onSuccess: "train_model", maxRetries: 1));
        workflow.AddStep(new WorkflowStep("train_model", MlEngineer, "Train the model", onSuccess: "validate_model", maxRetries: 1));
        workflow.AddStep(new WorkflowStep("validate_model", WorkerType.Tester, "Validate the model on held-out data", onSuccess: "deploy_model", onFailure: "engineer_features"));
        workflow.AddStep(new WorkflowStep("deploy_model", WorkerType.Deployer, "Deploy the model to production", onSuccess: WorkflowStep.Complete, maxRetries: 2));
        workflow.MaxSteps = 20;
        return workflow;
    }
}
