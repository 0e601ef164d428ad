namespace Keel;

/// <summary>
/// No valid plan came out of planning: the planner could not match the goal, or its last proposal still
/// had problems after the repairs allowed. <see cref="Problems"/> lists every remaining problem.
/// </summary>
public sealed class PlanRejectedException : KeelException
{
    public PlanRejectedException(string goal, string reason, IReadOnlyList<ValidationProblem> problems, PlanningRecord? planning = null)
        : base(FormatMessage(goal, reason, problems))
    {
        Goal = goal;
        Reason = reason;
        Problems = problems;
        Planning = planning;
    }

    public string Goal { get; }

    public string Reason { get; }

    public IReadOnlyList<ValidationProblem> Problems { get; }

    /// <summary>How planning went (every proposal and its problems), when a planner got that far.</summary>
    public PlanningRecord? Planning { get; }

    private static string FormatMessage(string goal, string reason, IReadOnlyList<ValidationProblem> problems)
        => problems.Count == 0
            ? $"No plan for goal '{goal}': {reason}"
            : $"No plan for goal '{goal}': {reason}" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}
