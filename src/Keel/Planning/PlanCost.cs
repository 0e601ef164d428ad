namespace Keel;

/// <summary>Estimates what running a plan costs (Keel.AI's price-table estimator multiplies prices by expected tokens).</summary>
public interface IPlanCostEstimator
{
    /// <summary>The estimated cost of one attempt of <paramref name="step"/>.</summary>
    StepCostEstimate EstimateAttempt(WorkflowStep step);
}

/// <summary>The expected tokens and cost of one attempt of a step (cost null when the model has no price).</summary>
public sealed record StepCostEstimate(string StepId, string? Model, long InputTokens, long OutputTokens, decimal? Cost);

/// <summary>
/// A plan's estimated cost: <see cref="ExpectedCost"/> is one attempt of every step on the success path from
/// the initial step; <see cref="WorstCost"/> bounds a run that spends its whole step budget on its dearest
/// step with every retry.
/// </summary>
public sealed record PlanCostEstimate(
    decimal ExpectedCost,
    long ExpectedTokens,
    decimal WorstCost,
    long WorstTokens,
    IReadOnlyList<StepCostEstimate> Steps);
