namespace Keel;

/// <summary>Walks over a plan's steps: its success path, its cycles, its reviews.</summary>
internal static class PlanGraph
{
    /// <summary>Where a successful attempt may go: its labels' targets when it routes by labels, else on_success.</summary>
    public static IEnumerable<string> SuccessTargets(WorkflowStep step)
        => step.HasLabels ? step.OnLabel!.Values.Distinct(StringComparer.Ordinal) : [step.OnSuccess];

    /// <summary>Every target of a step: its success targets and its failure target.</summary>
    public static IEnumerable<string> Targets(WorkflowStep step)
        => step.OnFailure is { } failure ? SuccessTargets(step).Append(failure) : SuccessTargets(step);

    /// <summary>The worker types a step calls: its own (work and map steps) or its branches' (parallel steps).</summary>
    public static IEnumerable<WorkerType> WorkerTypes(WorkflowStep step) => step.Kind switch
    {
        StepKind.Work or StepKind.Map => step.WorkerType.IsEmpty ? [] : [step.WorkerType],
        StepKind.Parallel => (step.Branches ?? []).Select(b => b.WorkerType).Where(t => !t.IsEmpty),
        _ => [],
    };

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
        foreach (var target in Targets(step))
        {
            if (Visit(plan, target, state, stack) is { } cycle)
            {
                return cycle;
            }
        }

        stack.RemoveAt(stack.Count - 1);
        state[id] = 2;
        return null;
    }

    /// <summary>
    /// True when every success path after <paramref name="producer"/> (along on_success, or every label's
    /// target) meets a <paramref name="reviewer"/> step before 'complete'.
    /// </summary>
    public static bool ReviewedOnSuccessPath(WorkflowDefinition plan, WorkflowStep producer, WorkerType reviewer)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(SuccessTargets(producer));
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (string.Equals(current, WorkflowStep.Complete, StringComparison.Ordinal))
            {
                return false;
            }

            // 'failed' ends the run without completing it: unreviewed work never completes that way.
            if (plan.GetStep(current) is not { } step || !seen.Add(current) || WorkerTypes(step).Contains(reviewer))
            {
                continue;
            }

            foreach (var target in SuccessTargets(step))
            {
                stack.Push(target);
            }
        }

        return true;
    }
}
