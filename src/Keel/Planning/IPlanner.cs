namespace Keel;

/// <summary>
/// Turns a goal into a workflow definition in Keel's own format. A planner proposes; Keel validates
/// (<see cref="PlanningRequest.Validate"/>) and, whatever the planner says, runs nothing that fails
/// validation. Implementations: <see cref="CatalogPlanner"/> (deterministic) and the LLM planner of Keel.AI.
/// </summary>
public interface IPlanner
{
    /// <summary>A short name recorded with every plan ("catalog", "llm").</summary>
    string Name { get; }

    /// <summary>
    /// What determines this planner's output besides the goal (its catalog, its model and prompt): plans are
    /// found again by goal and fingerprint, so a changed planner makes new plans.
    /// </summary>
    string Fingerprint { get; }

    /// <summary>
    /// Proposes a definition for <see cref="PlanningRequest.Goal"/> using only the workers of
    /// <see cref="PlanningRequest.Workers"/>. Throws <see cref="PlanRejectedException"/> when it cannot
    /// propose a valid one.
    /// </summary>
    Task<PlanDraft> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A planner's proposal: the definition and how it was made.</summary>
public sealed record PlanDraft(WorkflowDefinition Definition, PlanningRecord Planning);
