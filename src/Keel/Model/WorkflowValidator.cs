namespace Keel;

/// <summary>Checks a definition before it can run. Collects every problem rather than stopping at the first.</summary>
internal static partial class WorkflowValidator
{
    public static IReadOnlyList<ValidationProblem> Validate(WorkflowDefinition workflow)
    {
        var problems = new List<ValidationProblem>();
        var name = workflow.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(new(name, null, "name", "is empty"));
        }

        if (workflow.Steps.Count == 0)
        {
            problems.Add(new(name, null, "steps", "the workflow has no steps"));
            return problems;
        }

        if (workflow.MaxSteps is < 1)
        {
            problems.Add(new(name, null, "max_steps", $"must be at least 1, got {workflow.MaxSteps}"));
        }

        var ids = new Dictionary<string, WorkflowStep>(StringComparer.Ordinal);
        foreach (var step in workflow.Steps)
        {
            CheckStep(name, step, problems);
            if (string.IsNullOrWhiteSpace(step.StepId))
            {
                continue;
            }

            if (!ids.TryAdd(step.StepId, step))
            {
                problems.Add(new(name, step.StepId, "step_id", "duplicate step id"));
            }
        }

        foreach (var step in workflow.Steps)
        {
            CheckTarget(name, step, "on_success", step.OnSuccess, ids, problems);
            if (step.OnFailure is not null)
            {
                CheckTarget(name, step, "on_failure", step.OnFailure, ids, problems);
            }

            CheckConstructs(name, step, ids, problems);
        }

        if (string.IsNullOrWhiteSpace(workflow.InitialStep))
        {
            problems.Add(new(name, null, "initial_step", "no initial step: mark one with AddStep(step, isInitial: true)"));
            return problems;
        }

        if (!ids.ContainsKey(workflow.InitialStep))
        {
            problems.Add(new(name, null, "initial_step", $"names unknown step '{workflow.InitialStep}'"));
            return problems;
        }

        CheckGraph(name, workflow, ids, problems);
        return problems;
    }

    private static void CheckStep(string name, WorkflowStep step, List<ValidationProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(step.StepId))
        {
            problems.Add(new(name, null, "step_id", "a step has an empty id"));
            return;
        }

        if (WorkflowStep.IsTerminal(step.StepId))
        {
            problems.Add(new(name, step.StepId, "step_id", $"'{step.StepId}' is a reserved terminal target"));
        }

        if (step.Kind is StepKind.Work or StepKind.Map && step.WorkerType.IsEmpty)
        {
            problems.Add(new(name, step.StepId, "worker_type", "is empty"));
        }

        if (step.MaxRetries < 0)
        {
            problems.Add(new(name, step.StepId, "max_retries", $"must be 0 or more, got {step.MaxRetries}"));
        }

        if (step.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add(new(name, step.StepId, "timeout", $"must be positive, got {timeout}"));
        }

        if (step.RetryDelay is { } delay && delay < TimeSpan.Zero)
        {
            problems.Add(new(name, step.StepId, "retry_delay", $"must not be negative, got {delay}"));
        }

        if (step.Kind == StepKind.Approval && string.IsNullOrWhiteSpace(step.Prompt))
        {
            problems.Add(new(name, step.StepId, "prompt", "an approval step needs a prompt"));
        }
    }

    private static void CheckTarget(string name, WorkflowStep step, string field, string? target, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            problems.Add(new(name, step.StepId, field, "is empty"));
        }
        else if (!WorkflowStep.IsTerminal(target) && !ids.ContainsKey(target))
        {
            problems.Add(new(name, step.StepId, field, $"names unknown step '{target}' (expected a step id, 'complete' or 'failed')"));
        }
    }

    private static void CheckGraph(string name, WorkflowDefinition workflow, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        // Reachability from the initial step.
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var reachesComplete = false;
        var stack = new Stack<string>();
        stack.Push(workflow.InitialStep!);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (!reached.Add(id) || !ids.TryGetValue(id, out var step))
            {
                continue;
            }

            foreach (var target in Targets(step))
            {
                if (target == WorkflowStep.Complete)
                {
                    reachesComplete = true;
                }
                else if (ids.ContainsKey(target))
                {
                    stack.Push(target);
                }
            }
        }

        foreach (var step in workflow.Steps)
        {
            if (!string.IsNullOrWhiteSpace(step.StepId) && !reached.Contains(step.StepId))
            {
                problems.Add(new(name, step.StepId, "step_id", $"unreachable: no path leads here from the initial step '{workflow.InitialStep}'"));
            }
        }

        if (!reachesComplete)
        {
            problems.Add(new(name, null, "on_success", $"the terminal 'complete' cannot be reached from the initial step '{workflow.InitialStep}'"));
        }

        // Steps from which no terminal can be reached: a cycle nothing lets the run leave.
        foreach (var step in workflow.Steps)
        {
            if (reached.Contains(step.StepId) && !CanTerminate(step.StepId, ids))
            {
                problems.Add(new(name, step.StepId, "on_failure", "no path from this step reaches 'complete' or 'failed': it is in a cycle nothing lets the run leave"));
            }
        }

        // A cycle along success edges alone: a run where every attempt succeeds never ends.
        foreach (var step in workflow.Steps)
        {
            if (!reached.Contains(step.StepId))
            {
                continue;
            }

            var cycle = SuccessCycle(step.StepId, ids);
            if (cycle is not null && string.Equals(cycle[0], step.StepId, StringComparison.Ordinal) && IsSmallestInCycle(step.StepId, cycle))
            {
                problems.Add(new(name, step.StepId, "on_success", $"the success path loops forever ({string.Join(" -> ", cycle)} -> {step.StepId}); a cycle must leave through a failure path"));
            }
        }
    }

    private static IEnumerable<string> Targets(WorkflowStep step)
    {
        if (!step.HasLabels)
        {
            yield return step.OnSuccess;
        }

        yield return step.OnFailure ?? WorkflowStep.Failed;
        foreach (var target in LabelTargets(step))
        {
            yield return target;
        }
    }

    private static bool CanTerminate(string start, Dictionary<string, WorkflowStep> ids)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (WorkflowStep.IsTerminal(id))
            {
                return true;
            }

            if (!seen.Add(id) || !ids.TryGetValue(id, out var step))
            {
                continue;
            }

            foreach (var target in Targets(step))
            {
                stack.Push(target);
            }
        }

        return false;
    }

    private static List<string>? SuccessCycle(string start, Dictionary<string, WorkflowStep> ids)
    {
        var path = new List<string>();
        var current = start;
        while (ids.TryGetValue(current, out var step))
        {
            var index = path.IndexOf(current);
            if (index >= 0)
            {
                return index == 0 ? path : null;
            }

            path.Add(current);
            current = step.OnSuccess;
        }

        return null;
    }

    private static bool IsSmallestInCycle(string id, List<string> cycle)
    {
        foreach (var other in cycle)
        {
            if (string.CompareOrdinal(other, id) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
