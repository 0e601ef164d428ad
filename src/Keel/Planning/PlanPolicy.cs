namespace Keel;

/// <summary>
/// The rules a plan must keep, whatever the goal says: required reviews, bounds on loops and size, the
/// budget, and how many repairs a planner may attempt.
/// </summary>
public sealed record PlanPolicy
{
    /// <summary>Every coder step reviewed; at most 20 steps, 200 step visits; 2 repairs; no budget.</summary>
    public static PlanPolicy Default { get; } = new();

    /// <summary>
    /// Reviews a plan cannot leave out: on the success path from any step of <see cref="ReviewRule.Producer"/>
    /// to <c>complete</c>, a step of <see cref="ReviewRule.Reviewer"/> must come. Default: coder reviewed by reviewer.
    /// </summary>
    public IReadOnlyList<ReviewRule> RequiredReviews { get; init; } = [new(WorkerType.Coder, WorkerType.Reviewer)];

    /// <summary>Most steps a plan may have. Default 20.</summary>
    public int MaxStepCount { get; init; } = 20;

    /// <summary>
    /// Most step visits a planned run may make (its <c>max_steps</c>, which bounds every loop). A plan with a
    /// loop must set max_steps at most this. Default 200.
    /// </summary>
    public int MaxStepVisits { get; init; } = 200;

    /// <summary>Most retries a plan may give one step. Default 5.</summary>
    public int MaxRetriesPerStep { get; init; } = 5;

    /// <summary>Most times a planner may send problems back for a repaired proposal. Default 2.</summary>
    public int MaxRepairs { get; init; } = 2;

    /// <summary>The most the plan's estimated cost may be (in the price table's currency); none when not set.</summary>
    public decimal? MaxCost { get; init; }

    /// <summary>The most tokens the plan is estimated to use; none when not set.</summary>
    public long? MaxTokens { get; init; }
}

/// <summary>Work of <paramref name="Producer"/> must be checked by <paramref name="Reviewer"/> before the run completes.</summary>
public sealed record ReviewRule(WorkerType Producer, WorkerType Reviewer);
