namespace Keel;

/// <summary>Ready-made workflows: the seed's build-website pipeline, generic linear pipelines and an ML pipeline.</summary>
public static class Workflows
{
    /// <summary>The data scientist worker type of the ML pipeline.</summary>
    public static WorkerType DataEngineer { get; } = new("data_engineer");

    public static WorkerType DataScientist { get; } = new("data_scientist");

    public static WorkerType MlEngineer { get; } = new("ml_engineer");

    /// <summary>
    /// Product manager, coder, reviewer. The coder retries twice and falls back to the specs; a review
    /// that fails sends the coder back (a loop bounded by the step budget).
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
            onFailure: "implement_code"));

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
