using Keel.AI;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Planning;

/// <summary>
/// Planning for the keel command: the allowlist is the command's built-in workers (product manager, coder,
/// reviewer), plans are frozen in the run store beside the runs (its SQLite file or its PostgreSQL schema), and the planner is the catalog or the
/// configured model.
/// </summary>
internal static class CliPlanning
{
    public const string Catalog = "catalog";
    public const string Llm = "llm";

    /// <summary>The worker types the command can run without declarations.</summary>
    public static IReadOnlyList<WorkerDescriptor> Workers { get; } =
    [
        .. new[] { WorkerType.ProductManager, WorkerType.Coder, WorkerType.Reviewer }
            .Select(type => WorkerCatalog.Default.First(w => w.WorkerType == type)),
    ];

    /// <summary>The planner named by <paramref name="name"/>, or the reason there is none.</summary>
    public static (IPlanner? Planner, string? Error) Planner(string? name)
    {
        switch (name ?? Catalog)
        {
            case Catalog:
                return (new CatalogPlanner(), null);
            case Llm:
                ModelConfiguration? configuration;
                try
                {
                    configuration = ModelConfiguration.Resolve();
                }
                catch (KeelException ex)
                {
                    return (null, "the model configuration is not usable: " + ex.Message);
                }

                if (configuration is null)
                {
                    return (null, $"--planner llm needs a model: {ModelSetup.HowToConfigure}.");
                }

                Microsoft.Extensions.AI.IChatClient client;
                try
                {
                    client = KeelAI.CreateChatClient(new KeelAIOptions
                    {
                        Provider = configuration.Provider,
                        Model = configuration.Model,
                        Endpoint = configuration.Endpoint,
                        ApiKey = configuration.ApiKey,
                    });
                }
                catch (KeelException ex)
                {
                    return (null, $"the model {configuration} cannot be used: {ex.Message}");
                }

                return (new LlmPlanner(client, new LlmPlannerOptions { Model = configuration.Model }), null);
            default:
                return (null, $"--planner '{name}' is not a planner (expected 'catalog' or 'llm').");
        }
    }

    public static OrchestrationService Service(Orchestrator orchestrator, IPlanner planner, IPlanStore plans)
        => new(orchestrator, planner, plans, new OrchestrationServiceOptions { Workers = Workers });

    /// <summary>
    /// The plans beside the runs of <paramref name="runs"/>: the <c>plans</c> table of its SQLite file
    /// (<paramref name="storePath"/>) or of its PostgreSQL schema.
    /// </summary>
    public static IPlanStore PlansOf(IRunStore runs, string storePath)
        => runs is PostgresRunStore postgres ? new PostgresPlanStore(postgres) : new SqlitePlanStore(storePath);

    /// <summary>
    /// The plan store of the run store <paramref name="storePath"/> names, with the PostgreSQL run store opened
    /// for it (disposed by the caller; null for a SQLite file, whose plan store holds no connection).
    /// </summary>
    public static (IPlanStore Plans, IDisposable? Owned) OpenPlans(string storePath)
    {
        if (!PostgresAddress.IsPostgres(storePath))
        {
            return (new SqlitePlanStore(storePath), null);
        }

        var runs = CliSession.Postgres(storePath);
        return (new PostgresPlanStore(runs), runs);
    }

    /// <summary>Writes the plan: its identity, why it was chosen, its steps as a graph and its validation report.</summary>
    public static void Print(Plan plan, TextWriter output)
    {
        output.WriteLine($"Plan {plan.Hash[..12]} '{plan.Name}' for goal \"{plan.Goal}\"{(plan.IsApproved ? $" (approved by {plan.Approval!.ApprovedBy})" : string.Empty)}");
        output.WriteLine($"  planner: {plan.Planning.Planner}{(plan.Planning.Model is { } model ? $" ({model})" : string.Empty)}: {plan.Planning.Explanation}");
        output.WriteLine("  graph:");
        var definition = plan.Definition;
        foreach (var step in definition.Steps)
        {
            var start = step.StepId == definition.InitialStep ? "start -> " : "         ";
            var retries = step.MaxRetries > 0 ? $", retry x{step.MaxRetries}" : string.Empty;
            var routes = step.HasLabels
                ? string.Join(", ", step.OnLabel!.Select(l => $"{l.Key} -> {l.Value}"))
                : $"success -> {step.OnSuccess}";
            var kind = step.Kind switch
            {
                StepKind.Approval => "approval",
                StepKind.Parallel => "parallel: " + string.Join(", ", (step.Branches ?? []).Select(b => b.WorkerType.Value)),
                StepKind.Map => $"map {step.WorkerType.Value}, at most {step.MapMaxItems} items",
                _ => step.WorkerType.Value,
            };
            output.WriteLine($"    {start}{step.StepId} [{kind}]  {routes}, failure -> {step.OnFailure ?? WorkflowStep.Failed}{retries}");
        }

        output.WriteLine($"  validation: {(plan.Validation.IsValid ? "valid" : "INVALID")}, step budget {definition.EffectiveMaxSteps}");
        foreach (var check in plan.Validation.Checks)
        {
            output.WriteLine("    ok    " + check);
        }

        foreach (var note in plan.Validation.Notes)
        {
            output.WriteLine("    note  " + note);
        }

        foreach (var problem in plan.Validation.Problems)
        {
            output.WriteLine("    ERROR " + problem);
        }
    }

    /// <summary>Writes the reasons planning failed.</summary>
    public static void PrintRejection(PlanRejectedException rejected, TextWriter error)
    {
        error.WriteLine("error: " + rejected.Message);
        if (rejected.Planning is { Proposals.Count: > 1 } planning)
        {
            error.WriteLine($"  {planning.Proposals.Count} proposals were made; every one had problems.");
        }
    }

    /// <summary>Registers the command's built-in workers for the plan's worker types.</summary>
    public static IReadOnlyList<WorkerDefinition> BuiltinWorkers(Plan plan)
        => plan.Workers.Select(type => WorkerFactory.Builtin(type.Value)).ToArray();

    public static string StorePath(string? storeOption) => StorePaths.Resolve(storeOption);
}
