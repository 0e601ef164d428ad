namespace Keel;

/// <summary>
/// No valid plan came out of planning: the planner could not match the goal, or its last proposal still
/// had problems after the repairs allowed. <see cref="Problems"/> lists every remaining problem.
/// </summary>
public sealed class PlanRejectedException : KeelException
{
    /// <summary>Says no plan for <paramref name="goal"/> passed validation, with why and the problems of the last draft.</summary>
    public PlanRejectedException(string goal, string reason, IReadOnlyList<ValidationProblem> problems, PlanningRecord? planning = null)
        : base(FormatMessage(goal, reason, problems))
    {
        Goal = goal;
        Reason = reason;
        Problems = problems;
        Planning = planning;
    }

    /// <summary>The goal that could not be planned.</summary>
    public string Goal { get; }

    /// <summary>Why the plan was refused, in words.</summary>
    public string Reason { get; }

    /// <summary>The validation problems of the last draft (empty when the planner made none).</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    /// <summary>How planning went (every proposal and its problems), when a planner got that far.</summary>
    public PlanningRecord? Planning { get; }

    private static string FormatMessage(string goal, string reason, IReadOnlyList<ValidationProblem> problems)
        => problems.Count == 0
            ? $"No plan for goal '{goal}': {reason}"
            : $"No plan for goal '{goal}': {reason}" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}
