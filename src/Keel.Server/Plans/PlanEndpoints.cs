using Keel.Server.Definitions;
using Keel.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Plans;

/// <summary>Asks for a plan from a goal.</summary>
public sealed record PlanRequest
{
    /// <summary>The goal to plan for (required).</summary>
    public string? Goal { get; init; }

    /// <summary>Plan again even when this goal already has a stored plan.</summary>
    public bool? NewPlan { get; init; }
}

/// <summary>A frozen plan: its definition's hash (run it with <c>POST /v1/runs</c> and <c>definitionHash</c>), how it was made and checked.</summary>
public sealed record PlanView
{
    /// <summary>The SHA-256 of the plan's definition: its id, and the definition hash to start runs of it with.</summary>
    public required string Hash { get; init; }

    /// <summary>The goal planned for.</summary>
    public required string Goal { get; init; }

    /// <summary>The planned workflow's name.</summary>
    public required string Workflow { get; init; }

    /// <summary>The step ids of the plan, in definition order.</summary>
    public required IReadOnlyList<string> Steps { get; init; }

    /// <summary>The planner that made it.</summary>
    public required string Planner { get; init; }

    /// <summary>Why the planner chose this workflow, in its words.</summary>
    public required string Explanation { get; init; }

    /// <summary>The model an LLM planner used; null for other planners.</summary>
    public string? Model { get; init; }

    /// <summary>The checks the plan passed.</summary>
    public required IReadOnlyList<string> Checks { get; init; }

    /// <summary>Warnings from validation that did not refuse the plan.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>When the plan was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who approved the plan; null until it is approved.</summary>
    public string? ApprovedBy { get; init; }

    /// <summary>When it was approved; null until then.</summary>
    public DateTimeOffset? ApprovedAt { get; init; }

    /// <summary>The plan's workflow drawn as a Mermaid flowchart.</summary>
    public required string Mermaid { get; init; }

    internal static PlanView From(Plan plan) => new()
    {
        Hash = plan.Hash,
        Goal = plan.Goal,
        Workflow = plan.Name,
        Steps = plan.Definition.Steps.Select(s => s.StepId).ToArray(),
        Planner = plan.Planning.Planner,
        Explanation = plan.Planning.Explanation,
        Model = plan.Planning.Model,
        Checks = plan.Validation.Checks,
        Notes = plan.Validation.Notes,
        CreatedAt = plan.CreatedAt,
        ApprovedBy = plan.Approval?.ApprovedBy,
        ApprovedAt = plan.Approval?.ApprovedAt,
        Mermaid = MermaidFormatter.Format(plan.Graph),
    };
}

/// <summary>The path a dry run of a plan took, with scripted workers (no model called, nothing stored).</summary>
public sealed record DryRunView(string Hash, WorkflowState State, IReadOnlyList<string> Path, string? Error);

/// <summary><c>/v1/plans</c>: a goal in, a validated and frozen plan out; dry run; approval.</summary>
internal static class PlanEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/v1/plans").WithTags("plans");
        plans.MapPost("/", CreateAsync).WithName("CreatePlan").WithSummary("Plan a goal: validated, frozen by content hash, stored with its provenance")
            .Accepts<PlanRequest>("application/json").Produces<PlanView>(StatusCodes.Status201Created).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        plans.MapGet("/", ListAsync).WithName("ListPlans").WithSummary("Stored plans").Produces<IReadOnlyList<PlanView>>();
        plans.MapGet("/{hash}", GetAsync).WithName("GetPlan").WithSummary("A stored plan").Produces<PlanView>().ProducesProblem(StatusCodes.Status404NotFound);
        plans.MapPost("/{hash}/dry-run", DryRunAsync).WithName("DryRunPlan").WithSummary("Play a plan with scripted workers and show its path")
            .Produces<DryRunView>().ProducesProblem(StatusCodes.Status404NotFound);
        plans.MapPost("/{hash}/approve", ApproveAsync).WithName("ApprovePlan").WithSummary("Approve a plan (once per hash)")
            .Accepts<Approvals.DecisionRequest>("application/json").Produces<PlanView>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.PlanRequest, required: true, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        errors.Required("goal", request!.Goal, FieldErrors.MaxText);
        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        Plan plan;
        try
        {
            plan = await server.Planning.CreateAsync(request.Goal!, new PlanOptions { NewPlan = request.NewPlan ?? false }, cancellationToken).ConfigureAwait(false);
            plan = await server.Planning.FreezeAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (PlanRejectedException ex)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["goal"] = [ex.Message] }, ex.Message);
        }

        server.Catalog.Add(plan.Definition, plan.DefinitionJson, "json", server.Time.GetUtcNow());
        Log.Control(server.Logger, ServerContext.Actor(http, null), "planned " + plan.Hash[..12] + " for", request.Goal!.Length > 60 ? request.Goal[..60] : request.Goal);
        return Results.Created($"/v1/plans/{plan.Hash}", PlanView.From(plan));
    }

    private static async Task<IResult> ListAsync(ServerContext server, CancellationToken cancellationToken)
        => Results.Ok((await server.Planning.PlanStore.ListAsync(cancellationToken).ConfigureAwait(false)).Select(PlanView.From).ToArray());

    private static async Task<IResult> GetAsync(ServerContext server, string hash, CancellationToken cancellationToken)
        => await server.Planning.PlanStore.GetAsync(hash, cancellationToken).ConfigureAwait(false) is { } plan
            ? Results.Ok(PlanView.From(plan))
            : Problems.NotFound($"No stored plan has hash '{hash}'.");

    private static async Task<IResult> DryRunAsync(HttpContext http, ServerContext server, string hash, CancellationToken cancellationToken)
    {
        if (await Body.RefuseAnyAsync(http.Request, cancellationToken).ConfigureAwait(false) is { } bad)
        {
            return bad;
        }

        var plan = await server.Planning.PlanStore.GetAsync(hash, cancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            return Problems.NotFound($"No stored plan has hash '{hash}'.");
        }

        var result = await server.Planning.DryRunAsync(plan, null, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new DryRunView(plan.Hash, result.State, result.Path, result.Result.Error));
    }

    private static async Task<IResult> ApproveAsync(HttpContext http, ServerContext server, string hash, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.DecisionRequest, required: false, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        if (await server.Planning.PlanStore.GetAsync(hash, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"No stored plan has hash '{hash}'.");
        }

        var plan = await server.Planning.ApproveAsync(hash, ServerContext.Actor(http, request?.By), request?.Comment, cancellationToken).ConfigureAwait(false);
        return Results.Ok(PlanView.From(plan));
    }
}
