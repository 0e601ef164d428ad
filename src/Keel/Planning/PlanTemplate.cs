namespace Keel;

/// <summary>
/// A workflow template of the catalog planner: a name, what it is for, the words of a goal that call for
/// it, and the function that builds its definition (the goal becomes the definition's goal).
/// </summary>
public sealed class PlanTemplate
{
    /// <summary>A template named <paramref name="name"/> chosen for goals containing one of <paramref name="keywords"/>, built by <paramref name="build"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank or no keyword has a word.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keywords"/> or <paramref name="build"/> is null.</exception>
    public PlanTemplate(string name, string description, IEnumerable<string> keywords, Func<WorkflowDefinition> build)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentNullException.ThrowIfNull(build);
        Name = name;
        Description = description ?? string.Empty;
        Keywords = keywords.Select(k => string.Join(' ', GoalText.Words(k))).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (Keywords.Count == 0)
        {
            throw new ArgumentException($"Template '{name}' needs at least one keyword.", nameof(keywords));
        }

        Build = build;
    }

    /// <summary>The template's name, unique in a catalog.</summary>
    public string Name { get; }

    /// <summary>What workflows built from the template are for.</summary>
    public string Description { get; }

    /// <summary>Lower-case words or phrases ("machine learning"); a goal's word matches one with or without a plural 's'.</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>Builds a fresh definition of the template.</summary>
    public Func<WorkflowDefinition> Build { get; }

    /// <summary>
    /// The seed's templates, in the order that breaks ties: build_website, ml_pipeline, code_review and
    /// software_pipeline (the generic pipeline with a review before testing and deployment).
    /// </summary>
    public static IReadOnlyList<PlanTemplate> Defaults { get; } =
    [
        new("build_website", "Product manager, coder, reviewer: a website from requirements",
            ["website", "web site", "site", "web page", "webpage", "page", "landing", "homepage", "portfolio", "blog", "html", "web"],
            Workflows.CreateBuildWebsiteWorkflow),
        new("ml_pipeline", "Data collection, features, training, validation, deployment of a model",
            ["machine learning", "ml", "model", "train", "training", "classifier", "prediction", "predict", "dataset", "forecast"],
            Workflows.CreateMlPipeline),
        new("code_review", "A reviewer reviews existing code and a tester checks it",
            ["review", "audit", "pull request", "pr", "inspect", "critique"],
            CreateCodeReview),
        new("software_pipeline", "Analyze, design, implement, review, test and deploy a piece of software",
            ["app", "application", "software", "feature", "service", "api", "tool", "program", "implement", "develop", "deploy", "release", "cli", "library"],
            CreateSoftwarePipeline),
    ];

    private static WorkflowDefinition CreateCodeReview()
    {
        var workflow = Workflows.CreateGenericPipeline(
            [
                ("review_code", WorkerType.Reviewer, "Review the code for defects, risks and style"),
                ("test_code", WorkerType.Tester, "Run the tests and report failures"),
            ],
            name: "code_review",
            description: "Review code and test it");
        return workflow;
    }

    private static WorkflowDefinition CreateSoftwarePipeline()
    {
        var workflow = Workflows.CreateGenericPipeline(
            [
                ("analyze", WorkerType.ProductManager, "Analyze requirements"),
                ("design", WorkerType.Coder, "Design solution"),
                ("implement", WorkerType.Coder, "Implement code"),
                ("review", WorkerType.Reviewer, "Review the implementation"),
                ("test", WorkerType.Tester, "Test implementation"),
                ("deploy", WorkerType.Deployer, "Deploy to production"),
            ],
            name: "software_pipeline",
            description: "Analyze, design, implement, review, test and deploy",
            maxRetries: 1);
        return workflow;
    }
}
