namespace Keel;

/// <summary>What a planner is asked: the goal (data, never instructions), the allowlist and the rules.</summary>
public sealed class PlanningRequest
{
    /// <summary>The goal in plain words. A planner treats it as data: it cannot widen the allowlist or the rules.</summary>
    public required string Goal { get; init; }

    /// <summary>The workers a plan may use (its allowlist), with their descriptions and schemas.</summary>
    public required IReadOnlyList<WorkerDescriptor> Workers { get; init; }

    /// <summary>The rules every plan must keep. Default: <see cref="PlanPolicy.Default"/>.</summary>
    public PlanPolicy Policy { get; init; } = PlanPolicy.Default;

    /// <summary>Estimates a plan's cost for the budget check; none means no cost is estimated.</summary>
    public IPlanCostEstimator? CostEstimator { get; init; }

    /// <summary>Checks a proposal against the allowlist, the policy and the budget (see <see cref="PlanValidator"/>).</summary>
    public PlanValidationReport Validate(WorkflowDefinition definition)
        => PlanValidator.Validate(definition, Workers, Policy, CostEstimator);
}
