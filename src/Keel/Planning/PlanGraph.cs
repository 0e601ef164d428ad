namespace Keel;

/// <summary>Walks over a plan's steps: its success path, its cycles, its reviews.</summary>
internal static class PlanGraph
{
    /// <summary>The step ids from the initial step along success edges, until a terminal or a repeat.</summary>
    public static IReadOnlyList<string> SuccessPath(WorkflowDefinition plan)
    {
        var path = new List<string>();
        var current = plan.InitialStep;
        while (current is not null && plan.GetStep(current) is { } step && !path.Contains(current))
        {
            path.Add(current);
            current = step.OnSuccess;
        }

        return path;
    }

    /// <summary>One cycle over success and failure edges (its steps in order), or null when there is none.</summary>
    public static List<string>? FindCycle(WorkflowDefinition plan)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        foreach (var step in plan.Steps)
        {
            if (Visit(plan, step.StepId, state, stack) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static List<string>? Visit(WorkflowDefinition plan, string id, Dictionary<string, int> state, List<string> stack)
    {
        if (plan.GetStep(id) is not { } step)
        {
            return null;
        }

        if (state.TryGetValue(id, out var mark))
        {
            return mark == 1 ? stack[stack.IndexOf(id)..] : null;
        }

        state[id] = 1;
        stack.Add(id);
        foreach (var target in new[] { step.OnSuccess, step.OnFailure })
        {
            if (target is not null && Visit(plan, target, state, stack) is { } cycle)
            {
                return cycle;
            }
        }

        stack.RemoveAt(stack.Count - 1);
        state[id] = 2;
        return null;
    }

    /// <summary>True when the success path after <paramref name="producer"/> meets a <paramref name="reviewer"/> step before 'complete'.</summary>
    public static bool ReviewedOnSuccessPath(WorkflowDefinition plan, WorkflowStep producer, WorkerType reviewer)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = producer.OnSuccess;
        while (plan.GetStep(current) is { } step && seen.Add(current))
        {
            if (step.Kind == StepKind.Work && step.WorkerType == reviewer)
            {
                return true;
            }

            current = step.OnSuccess;
        }

        // 'failed' ends the run without completing it: unreviewed work never completes that way.
        return string.Equals(current, WorkflowStep.Failed, StringComparison.Ordinal);
    }
}
