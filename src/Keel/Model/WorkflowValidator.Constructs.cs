namespace Keel;

/// <summary>The rules of the routing constructs: outcome labels, parallel steps and map steps.</summary>
internal static partial class WorkflowValidator
{
    private static IEnumerable<string> LabelTargets(WorkflowStep step)
    {
        if (step.OnLabel is not { } labels)
        {
            yield break;
        }

        foreach (var target in labels.Values)
        {
            if (!string.IsNullOrWhiteSpace(target))
            {
                yield return target;
            }
        }
    }

    private static void CheckConstructs(string name, WorkflowStep step, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        if (step.StepId.Contains('/', StringComparison.Ordinal))
        {
            problems.Add(new(name, step.StepId, "step_id", "must not contain '/': it is reserved for the attempts of branches and map items ('step/branch')"));
        }

        CheckLabels(name, step, ids, problems);
        CheckParallel(name, step, problems);
        CheckMap(name, step, problems);
        CheckSubWorkflow(name, step, problems);
        CheckInput(name, step, ids, problems);
        if (step.MaxParallel is < 1)
        {
            problems.Add(new(name, step.StepId, "max_parallel", $"must be at least 1, got {step.MaxParallel}"));
        }

        // Fields a step of this kind has no use for are refused, not ignored in silence.
        if (step.Kind is not (StepKind.Parallel or StepKind.Map))
        {
            if (step.Join != JoinMode.All)
            {
                problems.Add(new(name, step.StepId, "join", "only a parallel or map step joins: this step has no branches or items"));
            }

            if (step.MaxParallel is not null)
            {
                problems.Add(new(name, step.StepId, "max_parallel", "only a parallel or map step runs units at once: this step has no branches or items"));
            }
        }
    }

    private static void CheckLabels(string name, WorkflowStep step, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        if (step.OnLabel is null)
        {
            if (step.LabelFrom is not null)
            {
                problems.Add(new(name, step.StepId, "on_label", $"the step reads a label ({step.LabelFrom}) but maps no label to a target"));
            }

            return;
        }

        if (step.OnLabel.Count == 0)
        {
            problems.Add(new(name, step.StepId, "on_label", "maps no label to a target"));
        }

        if (step.Kind == StepKind.Approval)
        {
            problems.Add(new(name, step.StepId, "on_label", "an approval step routes by the decision: it cannot have outcome labels"));
        }

        if (step.LabelFrom is null)
        {
            problems.Add(new(name, step.StepId, "label_from", "a step with on_label needs code that reads the label: label_field (an output field) or label_function"));
        }
        else if (step.LabelFrom.FieldName is { } field && step.Kind is StepKind.Parallel or StepKind.Map)
        {
            problems.Add(new(name, step.StepId, "label_field", $"the output of a {(step.Kind == StepKind.Parallel ? "parallel" : "map")} step is a list, which has no field '{field}': read its label with a label_function"));
        }

        if (!string.Equals(step.OnSuccess, WorkflowStep.Complete, StringComparison.Ordinal))
        {
            problems.Add(new(name, step.StepId, "on_success", $"a step with on_label routes a success by its label: on_success ('{step.OnSuccess}') is never taken; name that target under on_label"));
        }

        foreach (var (label, target) in step.OnLabel)
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                problems.Add(new(name, step.StepId, "on_label", "a label is empty"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(target))
            {
                problems.Add(new(name, step.StepId, $"on_label.{label}", "label has no target"));
            }
            else if (!WorkflowStep.IsTerminal(target) && !ids.ContainsKey(target))
            {
                problems.Add(new(name, step.StepId, $"on_label.{label}", $"names unknown step '{target}' (expected a step id, 'complete' or 'failed')"));
            }
        }
    }

    private static void CheckParallel(string name, WorkflowStep step, List<ValidationProblem> problems)
    {
        if (step.Kind != StepKind.Parallel)
        {
            if (step.Branches is { Count: > 0 })
            {
                problems.Add(new(name, step.StepId, "parallel", "only a parallel step has branches"));
            }

            return;
        }

        if (step.Branches is not { Count: > 0 } branches)
        {
            problems.Add(new(name, step.StepId, "parallel", "the join has no branches: a parallel step needs at least one"));
            return;
        }

        if (step.MaxRetries != 0)
        {
            problems.Add(new(name, step.StepId, "max_retries", "a parallel step has no retries of its own: give each branch its max_retries"));
        }

        if (step.Timeout is not null)
        {
            problems.Add(new(name, step.StepId, "timeout", "a parallel step has no timeout of its own: give each branch its timeout"));
        }

        if (step.RetryDelay is not null)
        {
            problems.Add(new(name, step.StepId, "retry_delay", "a parallel step has no retries of its own: give each branch its retry_delay"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < branches.Count; i++)
        {
            var branch = branches[i];
            var field = $"parallel[{i}]";
            if (branch is null)
            {
                problems.Add(new(name, step.StepId, field, "is null"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(branch.Name) || branch.Name.Contains('/', StringComparison.Ordinal))
            {
                problems.Add(new(name, step.StepId, field + ".name", $"'{branch.Name}' is not a branch name (non-empty, no '/')"));
            }
            else if (string.Equals(branch.Name, "join", StringComparison.Ordinal))
            {
                problems.Add(new(name, step.StepId, field + ".name", "'join' is the name of the step's join: give the branch another"));
            }
            else if (!names.Add(branch.Name))
            {
                problems.Add(new(name, step.StepId, field + ".name", $"duplicate branch '{branch.Name}'"));
            }

            if (branch.WorkerType.IsEmpty)
            {
                problems.Add(new(name, step.StepId, field + ".worker", "is empty: the branch cannot reach the join without a worker"));
            }

            // A branch is held to the bounds of a step: the same fields, the same limits.
            if (branch.MaxRetries < 0)
            {
                problems.Add(new(name, step.StepId, field + ".max_retries", $"must be 0 or more, got {branch.MaxRetries}"));
            }
            else if (branch.MaxRetries > WorkflowLimits.MaxRetries)
            {
                problems.Add(new(name, step.StepId, field + ".max_retries", $"must be at most {WorkflowLimits.MaxRetries}, got {branch.MaxRetries}"));
            }

            if (branch.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                problems.Add(new(name, step.StepId, field + ".timeout", $"must be positive, got {DurationText.Format(timeout)}"));
            }
            else if (branch.Timeout > WorkflowLimits.MaxTimeout)
            {
                problems.Add(new(name, step.StepId, field + ".timeout", $"must be at most {DurationText.Format(WorkflowLimits.MaxTimeout)}, got {DurationText.Format(branch.Timeout.Value)}"));
            }

            if (branch.RetryDelay is { } delay && delay < TimeSpan.Zero)
            {
                problems.Add(new(name, step.StepId, field + ".retry_delay", $"must not be negative, got {DurationText.Format(delay)}"));
            }
            else if (branch.RetryDelay > WorkflowLimits.MaxRetryDelay)
            {
                problems.Add(new(name, step.StepId, field + ".retry_delay", $"must be at most {DurationText.Format(WorkflowLimits.MaxRetryDelay)}, got {DurationText.Format(branch.RetryDelay.Value)}"));
            }
        }
    }

    private static void CheckMap(string name, WorkflowStep step, List<ValidationProblem> problems)
    {
        if (step.Kind != StepKind.Map)
        {
            if (step.MapMaxItems is not null || step.MapItemsFrom is not null)
            {
                problems.Add(new(name, step.StepId, "map", "only a map step has map_items_from and max_items"));
            }

            return;
        }

        if (step.MapMaxItems is not { } max)
        {
            problems.Add(new(name, step.StepId, "map.max_items", "a map step needs an upper bound on its items"));
        }
        else if (max < 1)
        {
            problems.Add(new(name, step.StepId, "map.max_items", $"must be at least 1, got {max}"));
        }

        if (step.MapItemsFrom is { } from && string.IsNullOrWhiteSpace(from))
        {
            problems.Add(new(name, step.StepId, "map.items_from", "is empty: leave it out to map over the input itself"));
        }
    }

    private static void CheckSubWorkflow(string name, WorkflowStep step, List<ValidationProblem> problems)
    {
        if (step.Kind != StepKind.SubWorkflow)
        {
            if (step.SubWorkflow is not null)
            {
                problems.Add(new(name, step.StepId, "sub_workflow", "only a sub-workflow step runs a workflow: create it with WorkflowStep.Child"));
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(step.SubWorkflow))
        {
            problems.Add(new(name, step.StepId, "sub_workflow", "is empty: name the registered workflow the step runs"));
        }
        else if (string.Equals(step.SubWorkflow, name, StringComparison.Ordinal))
        {
            problems.Add(new(name, step.StepId, "sub_workflow", $"the workflow includes itself ('{name}' -> '{name}'): a run would never end"));
        }
    }

    private static void CheckInput(string name, WorkflowStep step, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        if (step.Input is not { } input)
        {
            return;
        }

        if (step.Kind == StepKind.Approval)
        {
            problems.Add(new(name, step.StepId, "input", "an approval step has no worker to give an input to"));
            return;
        }

        foreach (var (field, source) in input)
        {
            if (string.IsNullOrWhiteSpace(field))
            {
                problems.Add(new(name, step.StepId, "input", "a field name is empty"));
            }
            else if (InputMapping.Check(source ?? string.Empty, ids.ContainsKey) is { } problem)
            {
                problems.Add(new(name, step.StepId, "input." + field, problem));
            }
        }
    }
}
