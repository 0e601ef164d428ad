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

        if (workflow.Steps.Count > WorkflowLimits.MaxStepCount)
        {
            problems.Add(new(name, null, "steps", $"the workflow has {workflow.Steps.Count} steps, more than the limit of {WorkflowLimits.MaxStepCount}"));
            return problems;
        }

        if (workflow.MaxSteps is < 1 or > WorkflowLimits.MaxStepBudget)
        {
            problems.Add(new(name, null, "max_steps", $"must be from 1 to {WorkflowLimits.MaxStepBudget}, got {workflow.MaxSteps}"));
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
            if (string.IsNullOrWhiteSpace(step.StepId))
            {
                // Reported above; its routes name no step to report them under.
                continue;
            }

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
        else if (step.MaxRetries > WorkflowLimits.MaxRetries)
        {
            problems.Add(new(name, step.StepId, "max_retries", $"must be at most {WorkflowLimits.MaxRetries}, got {step.MaxRetries}"));
        }

        if (step.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add(new(name, step.StepId, "timeout", $"must be positive, got {DurationText.Format(timeout)}"));
        }
        else if (step.Timeout > WorkflowLimits.MaxTimeout)
        {
            problems.Add(new(name, step.StepId, "timeout", $"must be at most {DurationText.Format(WorkflowLimits.MaxTimeout)}, got {DurationText.Format(step.Timeout.Value)}"));
        }

        CheckDelay(name, step, "retry_delay", step.RetryDelay, problems);
        CheckDelay(name, step, "max_retry_delay", step.MaxRetryDelay, problems);
        if (!double.IsFinite(step.RetryBackoff) || step.RetryBackoff < WorkflowLimits.MinRetryBackoff || step.RetryBackoff > WorkflowLimits.MaxRetryBackoff)
        {
            problems.Add(new(name, step.StepId, "retry_backoff", $"must be from {WorkflowLimits.MinRetryBackoff:0.#} to {WorkflowLimits.MaxRetryBackoff:0.#}, got {step.RetryBackoff.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        }

        if (step.Kind == StepKind.Approval && string.IsNullOrWhiteSpace(step.Prompt))
        {
            problems.Add(new(name, step.StepId, "prompt", "an approval step needs a prompt"));
        }
    }

    private static void CheckDelay(string name, WorkflowStep step, string field, TimeSpan? delay, List<ValidationProblem> problems)
    {
        if (delay < TimeSpan.Zero)
        {
            problems.Add(new(name, step.StepId, field, $"must not be negative, got {DurationText.Format(delay.Value)}"));
        }
        else if (delay > WorkflowLimits.MaxRetryDelay)
        {
            problems.Add(new(name, step.StepId, field, $"must be at most {DurationText.Format(WorkflowLimits.MaxRetryDelay)}, got {DurationText.Format(delay.Value)}"));
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

    // Every graph check is linear in steps and edges: one search forward from the initial step, one
    // backward from the terminals, one walk of the success edges (each step has exactly one).
    private static void CheckGraph(string name, WorkflowDefinition workflow, Dictionary<string, WorkflowStep> ids, List<ValidationProblem> problems)
    {
        var steps = workflow.Steps;
        var index = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(steps[i].StepId))
            {
                index.TryAdd(steps[i].StepId, i);
            }
        }

        // Targets as indices: a step, Complete, Failed, or Unknown (already reported).
        var success = new int[steps.Count];
        var edges = new int[steps.Count][];
        for (var i = 0; i < steps.Count; i++)
        {
            success[i] = Resolve(steps[i].OnSuccess, index);
            edges[i] = [.. Targets(steps[i]).Select(t => Resolve(t, index))];
        }

        var reached = Reached(index[workflow.InitialStep!], edges, out var reachesComplete);
        for (var i = 0; i < steps.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(steps[i].StepId) && !reached[i] && index.GetValueOrDefault(steps[i].StepId, -1) == i)
            {
                problems.Add(new(name, steps[i].StepId, "step_id", $"unreachable: no path leads here from the initial step '{workflow.InitialStep}'"));
            }
        }

        if (!reachesComplete)
        {
            problems.Add(new(name, null, "on_success", $"the terminal 'complete' cannot be reached from the initial step '{workflow.InitialStep}'"));
        }

        // Steps from which no terminal can be reached: a cycle nothing lets the run leave.
        var terminates = Terminating(edges);
        for (var i = 0; i < steps.Count; i++)
        {
            if (reached[i] && !terminates[i])
            {
                problems.Add(new(name, steps[i].StepId, "on_failure", "no path from this step reaches 'complete' or 'failed': it is in a cycle nothing lets the run leave"));
            }
        }

        // A cycle along success edges alone: a run where every attempt succeeds never ends.
        foreach (var cycle in SuccessCycles(steps, success, reached))
        {
            var first = steps[cycle[0]].StepId;
            problems.Add(new(name, first, "on_success", $"the success path loops forever ({string.Join(" -> ", cycle.Select(c => steps[c].StepId))} -> {first}); a cycle must leave through a failure path"));
        }
    }

    private const int CompleteTarget = -1;
    private const int FailedTarget = -2;
    private const int UnknownTarget = -3;

    private static int Resolve(string? target, Dictionary<string, int> index) => target switch
    {
        WorkflowStep.Complete => CompleteTarget,
        WorkflowStep.Failed => FailedTarget,
        null => UnknownTarget,
        _ => index.TryGetValue(target, out var i) ? i : UnknownTarget,
    };

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

    private static bool[] Reached(int initial, int[][] edges, out bool reachesComplete)
    {
        reachesComplete = false;
        var reached = new bool[edges.Length];
        var stack = new Stack<int>();
        reached[initial] = true;
        stack.Push(initial);
        while (stack.Count > 0)
        {
            var i = stack.Pop();
            foreach (var target in edges[i])
            {
                if (target == CompleteTarget)
                {
                    reachesComplete = true;
                }
                else if (target >= 0 && !reached[target])
                {
                    reached[target] = true;
                    stack.Push(target);
                }
            }
        }

        return reached;
    }

    /// <summary>The steps from which some path reaches a terminal: a search backward from the terminals.</summary>
    private static bool[] Terminating(int[][] edges)
    {
        var n = edges.Length;
        var counts = new int[n + 1];
        foreach (var targets in edges)
        {
            foreach (var target in targets)
            {
                if (target >= 0)
                {
                    counts[target + 1]++;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            counts[i + 1] += counts[i];
        }

        // Predecessors of each step, in one flat array (compressed rows).
        var predecessors = new int[counts[n]];
        var fill = (int[])counts.Clone();
        var terminates = new bool[n];
        var stack = new Stack<int>();
        for (var i = 0; i < n; i++)
        {
            foreach (var target in edges[i])
            {
                if (target >= 0)
                {
                    predecessors[fill[target]++] = i;
                }
                else if (target != UnknownTarget && !terminates[i])
                {
                    terminates[i] = true;
                    stack.Push(i);
                }
            }
        }

        while (stack.Count > 0)
        {
            var i = stack.Pop();
            for (var p = counts[i]; p < counts[i + 1]; p++)
            {
                var from = predecessors[p];
                if (!terminates[from])
                {
                    terminates[from] = true;
                    stack.Push(from);
                }
            }
        }

        return terminates;
    }

    /// <summary>
    /// Each cycle of success edges among reached steps once, starting at its ordinally smallest step id.
    /// Every step has one success edge, so one walk colours every step once.
    /// </summary>
    private static List<List<int>> SuccessCycles(IReadOnlyList<WorkflowStep> steps, int[] success, bool[] reached)
    {
        var cycles = new List<List<int>>();
        var state = new byte[success.Length]; // 0 unseen, 1 on the current walk, 2 done
        var walk = new List<int>();
        for (var start = 0; start < success.Length; start++)
        {
            if (state[start] != 0 || !reached[start])
            {
                continue;
            }

            walk.Clear();
            var current = start;
            while (current >= 0 && state[current] == 0)
            {
                state[current] = 1;
                walk.Add(current);
                current = success[current];
            }

            if (current >= 0 && state[current] == 1)
            {
                var cycle = walk.GetRange(walk.IndexOf(current), walk.Count - walk.IndexOf(current));
                var smallest = 0;
                for (var k = 1; k < cycle.Count; k++)
                {
                    if (string.CompareOrdinal(steps[cycle[k]].StepId, steps[cycle[smallest]].StepId) < 0)
                    {
                        smallest = k;
                    }
                }

                cycles.Add([.. cycle[smallest..], .. cycle[..smallest]]);
            }

            foreach (var i in walk)
            {
                state[i] = 2;
            }
        }

        cycles.Sort((a, b) => a[0].CompareTo(b[0]));
        return cycles;
    }
}
