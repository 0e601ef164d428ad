namespace Keel;

/// <summary>What validation of a plan found: every problem, the checks it passed, notes and the cost estimate.</summary>
public sealed record PlanValidationReport
{
    /// <summary>Every problem (empty when the plan is valid).</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; init; } = [];

    /// <summary>The checks made, in order, as short sentences.</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];

    /// <summary>Facts worth reading that are not problems (a step whose failure fails the run, a schema not declared).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The estimated cost, when an estimator was given.</summary>
    public PlanCostEstimate? Cost { get; init; }

    /// <summary>True when validation found no problem.</summary>
    public bool IsValid => Problems.Count == 0;
}
