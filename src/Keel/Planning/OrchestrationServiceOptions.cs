namespace Keel;

/// <summary>How an <see cref="OrchestrationService"/> plans. Every field is optional.</summary>
public sealed class OrchestrationServiceOptions
{
    /// <summary>
    /// The planner's allowlist. Default: the workers registered on the orchestrator when planning starts.
    /// </summary>
    public IReadOnlyList<WorkerDescriptor>? Workers { get; set; }

    /// <summary>The rules every plan keeps. Default: <see cref="PlanPolicy.Default"/>.</summary>
    public PlanPolicy Policy { get; set; } = PlanPolicy.Default;

    /// <summary>Estimates plan costs for the budget (Keel.AI's <c>PriceTableCostEstimator</c>). Default: none.</summary>
    public IPlanCostEstimator? CostEstimator { get; set; }

    /// <summary>A plan must be approved before its first run. Default false.</summary>
    public bool RequireApproval { get; set; }

    /// <summary>The clock that stamps plans and approvals. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>Options of one <see cref="OrchestrationService.CreateAsync"/> call.</summary>
public sealed class PlanOptions
{
    /// <summary>Plan again even when a stored plan exists for the goal and planner. Default false.</summary>
    public bool NewPlan { get; init; }

    /// <summary>The rules for this plan. Default: the service's policy.</summary>
    public PlanPolicy? Policy { get; init; }
}

/// <summary>Options of one <see cref="OrchestrationService.RunAsync(Plan, RunPlanOptions?, CancellationToken)"/> call.</summary>
public sealed class RunPlanOptions
{
    /// <summary>Options of the run itself (data, budgets, run id, verbose).</summary>
    public ExecuteOptions Execute { get; init; } = new();

    /// <summary>How the plan is made when running from a goal.</summary>
    public PlanOptions? Plan { get; init; }
}
