namespace Keel;

/// <summary>
/// Orchestration as a service: a goal in, a validated and frozen pipeline out, then run and watched.
/// A planner proposes a definition from the registered workers; Keel validates it, can dry-run it, freezes
/// it by hash with its provenance in a plan store, records who approved it, and runs the frozen plan on
/// the orchestrator like any workflow. A frozen plan's run never re-plans.
/// </summary>
public sealed partial class OrchestrationService
{
    private readonly OrchestrationServiceOptions _options;

    /// <summary>A service over <paramref name="orchestrator"/> with the default catalog planner and an in-memory plan store.</summary>
    public OrchestrationService(Orchestrator orchestrator)
        : this(orchestrator, null, null, null)
    {
    }

    /// <summary>A service over <paramref name="orchestrator"/>; a null <paramref name="planner"/> is the default catalog planner, a null <paramref name="planStore"/> an in-memory store.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="orchestrator"/> is null.</exception>
    public OrchestrationService(Orchestrator orchestrator, IPlanner? planner, IPlanStore? planStore = null, OrchestrationServiceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        Orchestrator = orchestrator;
        Planner = planner ?? new CatalogPlanner();
        PlanStore = planStore ?? new InMemoryPlanStore();
        _options = options ?? new OrchestrationServiceOptions();
    }

    /// <summary>The orchestrator that registers and runs the plans' definitions.</summary>
    public Orchestrator Orchestrator { get; }

    /// <summary>The planner that turns goals into plans.</summary>
    public IPlanner Planner { get; }

    /// <summary>Where plans are kept, frozen, and approved.</summary>
    public IPlanStore PlanStore { get; }

    /// <summary>
    /// The seed's one line: the plan for <paramref name="goal"/> from the default catalog over the built-in
    /// worker types (<c>OrchestrationService.Create(goal: "Build a Website")</c> gives product manager,
    /// coder, reviewer). Register workers for its types on an orchestrator to run it.
    /// </summary>
    public static Plan Create(string goal)
    {
        var service = new OrchestrationService(new Orchestrator(), new CatalogPlanner(), new InMemoryPlanStore(), new OrchestrationServiceOptions { Workers = WorkerCatalog.Default });

        // The catalog planner completes synchronously.
        return service.CreateAsync(goal).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The plan for <paramref name="goal"/>: the stored plan this goal and planner made before, unless
    /// <see cref="PlanOptions.NewPlan"/>; else a new one, validated (not yet frozen). Throws
    /// <see cref="PlanRejectedException"/> listing every problem when no valid plan comes out.
    /// </summary>
    public async Task<Plan> CreateAsync(string goal, PlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        options ??= new PlanOptions();
        if (!options.NewPlan && await PlanStore.FindAsync(goal, Planner.Fingerprint, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        var request = Request(goal, options.Policy);
        var draft = await Planner.PlanAsync(request, cancellationToken).ConfigureAwait(false);

        // Whatever the planner reported, the plan is checked here again: nothing unvalidated leaves.
        var report = request.Validate(draft.Definition);
        if (!report.IsValid)
        {
            throw new PlanRejectedException(goal, $"the plan of planner '{Planner.Name}' does not validate", report.Problems, draft.Planning);
        }

        return new Plan(goal, draft.Definition, draft.Planning, report, _options.TimeProvider.GetUtcNow());
    }

    /// <summary>Checks a definition as this service checks plans (allowlist, policy, budget).</summary>
    public PlanValidationReport Validate(WorkflowDefinition definition, PlanPolicy? policy = null)
        => Request(string.Empty, policy).Validate(definition);

    /// <summary>Stores the plan by hash with its provenance; freezing the same definition again returns the stored plan.</summary>
    public async Task<Plan> FreezeAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return await PlanStore.SaveAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Approves the frozen plan of <paramref name="hash"/>. The approval attaches to the hash once: a
    /// second approval leaves the first unchanged.
    /// </summary>
    public async Task<Plan> ApproveAsync(string hash, string approvedBy, string? comment = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hash);
        ArgumentException.ThrowIfNullOrWhiteSpace(approvedBy);
        var plan = await PlanStore.GetAsync(hash, cancellationToken).ConfigureAwait(false)
            ?? throw new KeelException($"No stored plan has hash '{hash}': freeze the plan before approving it.");
        return await PlanStore.ApproveAsync(plan.Hash, new PlanApproval(approvedBy, _options.TimeProvider.GetUtcNow(), comment), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approved plans whose goal is like <paramref name="goal"/> (sharing words), most alike first.</summary>
    public async Task<IReadOnlyList<Plan>> FindApprovedAsync(string goal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(goal);
        var plans = await PlanStore.ListAsync(cancellationToken).ConfigureAwait(false);
        return plans
            .Where(p => p.IsApproved)
            .Select(p => (Plan: p, Score: GoalText.Similarity(goal, p.Goal)))
            .Where(p => p.Score > 0)
            .OrderByDescending(p => p.Score)
            .Select(p => p.Plan)
            .ToArray();
    }

    /// <summary>Plans <paramref name="goal"/> (or takes its stored plan), freezes it and runs it to its end.</summary>
    public async Task<WorkflowResult> RunAsync(string goal, RunPlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        var plan = await CreateAsync(goal, options?.Plan, cancellationToken).ConfigureAwait(false);
        return await RunAsync(plan, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Freezes <paramref name="plan"/> (when it is not yet) and runs exactly its definition: the run is pinned
    /// to the plan's hash and never re-plans. With <see cref="OrchestrationServiceOptions.RequireApproval"/>,
    /// an unapproved plan does not run.
    /// </summary>
    public async Task<WorkflowResult> RunAsync(Plan plan, RunPlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        var frozen = await PrepareAsync(plan, cancellationToken).ConfigureAwait(false);
        return await Orchestrator.ExecuteWorkflowAsync(frozen.Name, frozen.Goal, options?.Execute ?? new ExecuteOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Freezes <paramref name="plan"/> and stores a pending run of it for a worker loop to drive (see
    /// <see cref="Orchestrator.StartAsync"/>); the same approval rule as <see cref="RunAsync(Plan, RunPlanOptions?, CancellationToken)"/>.
    /// </summary>
    public async Task<RunHandle> StartAsync(Plan plan, RunPlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        var frozen = await PrepareAsync(plan, cancellationToken).ConfigureAwait(false);
        return await Orchestrator.StartAsync(frozen.Name, frozen.Goal, options?.Execute, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Plan> PrepareAsync(Plan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var frozen = await FreezeAsync(plan, cancellationToken).ConfigureAwait(false);
        if (_options.RequireApproval && !frozen.IsApproved)
        {
            throw new KeelException($"Plan {frozen.Hash[..12]} ('{frozen.Name}') is not approved: approve it before its first run.");
        }

        Register(frozen);
        return frozen;
    }

    /// <summary>
    /// Resumes a stored run of a frozen plan: registers the plan its run is pinned to (found by the run's
    /// definition hash), then resumes it. Never plans again.
    /// </summary>
    public async Task<WorkflowResult> ResumeAsync(string runId, ResumeOptions? options = null, CancellationToken cancellationToken = default)
    {
        var run = await Orchestrator.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        var plan = await PlanStore.GetAsync(run.DefinitionHash, cancellationToken).ConfigureAwait(false)
            ?? throw new KeelException($"Run '{runId}' is pinned to definition {run.DefinitionHash[..12]}, which is no stored plan.");
        Register(plan);
        return await Orchestrator.ResumeAsync(runId, options, cancellationToken).ConfigureAwait(false);
    }

    private void Register(Plan plan)
    {
        var registered = Orchestrator.GetWorkflow(plan.Name);
        if (registered is null || WorkflowDefinitionJson.Hash(WorkflowDefinitionJson.Serialize(registered)) != plan.Hash)
        {
            Orchestrator.RegisterWorkflow(plan.Definition);
        }
    }

    private PlanningRequest Request(string goal, PlanPolicy? policy) => new()
    {
        Goal = goal,
        Workers = _options.Workers ?? WorkerCatalog.From(Orchestrator),
        Policy = policy ?? _options.Policy,
        CostEstimator = _options.CostEstimator,
    };
}
