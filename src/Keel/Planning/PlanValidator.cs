namespace Keel;

/// <summary>
/// Validation of a plan beyond structure: the allowlist, transitions, bounded loops and retries, required
/// reviews, schemas that chain, and the estimated cost within the budget. Collects every problem.
/// </summary>
public static class PlanValidator
{
    /// <summary>Checks <paramref name="plan"/> and reports every problem, the checks made and the cost estimate.</summary>
    public static PlanValidationReport Validate(WorkflowDefinition plan, IReadOnlyList<WorkerDescriptor> workers, PlanPolicy? policy = null, IPlanCostEstimator? costEstimator = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(workers);
        policy ??= PlanPolicy.Default;
        var problems = new List<ValidationProblem>(plan.Validate());
        var checks = new List<string> { "structure: ids unique, targets known, initial step set, every step reachable, 'complete' reachable, no success-only cycle" };
        var notes = new List<string>();
        var name = plan.Name;
        var allowed = new Dictionary<WorkerType, WorkerDescriptor>();
        foreach (var worker in workers)
        {
            allowed.TryAdd(worker.WorkerType, worker);
        }

        CheckWorkers(plan, allowed, policy, problems, checks);
        CheckTransitions(plan, notes, checks);
        CheckLoops(plan, policy, problems, checks);
        CheckReviews(plan, policy, problems, checks);
        SchemaChain.Check(plan, allowed, problems, notes);
        checks.Add("schemas: each step's declared output fits the next step's declared input");
        var cost = costEstimator is null ? null : EstimateCost(plan, costEstimator);
        if (cost is not null)
        {
            checks.Add($"cost: expected {cost.ExpectedCost:0.######} ({cost.ExpectedTokens} tokens), at most {cost.WorstCost:0.######} ({cost.WorstTokens} tokens)");
            if (policy.MaxCost is { } maxCost && cost.ExpectedCost > maxCost)
            {
                problems.Add(new(name, null, "budget", $"the estimated cost {cost.ExpectedCost:0.######} is over the budget of {maxCost:0.######}"));
            }

            foreach (var unpriced in cost.Steps.Where(s => s.Cost is null && s.InputTokens + s.OutputTokens > 0))
            {
                if (policy.MaxCost is not null)
                {
                    problems.Add(new(name, unpriced.StepId, "budget", $"model '{unpriced.Model}' has no price, so the step's cost cannot be checked against the budget"));
                }
            }

            if (policy.MaxTokens is { } maxTokens && cost.ExpectedTokens > maxTokens)
            {
                problems.Add(new(name, null, "budget", $"the estimated {cost.ExpectedTokens} tokens are over the budget of {maxTokens} tokens"));
            }
        }
        else if (policy.MaxCost is not null || policy.MaxTokens is not null)
        {
            problems.Add(new(name, null, "budget", "a budget is set but no cost estimator was given, so the cost cannot be checked"));
        }

        return new PlanValidationReport { Problems = problems, Checks = checks, Notes = notes, Cost = cost };
    }

    private static void CheckWorkers(WorkflowDefinition plan, Dictionary<WorkerType, WorkerDescriptor> allowed, PlanPolicy policy, List<ValidationProblem> problems, List<string> checks)
    {
        var names = string.Join(", ", allowed.Keys.Select(t => t.Value).Order(StringComparer.Ordinal));
        if (plan.Steps.Count > policy.MaxStepCount)
        {
            problems.Add(new(plan.Name, null, "steps", $"the plan has {plan.Steps.Count} steps, more than the {policy.MaxStepCount} allowed"));
        }

        foreach (var step in plan.Steps)
        {
            if (step.Kind == StepKind.Work && !step.WorkerType.IsEmpty && !allowed.ContainsKey(step.WorkerType))
            {
                problems.Add(new(plan.Name, step.StepId, "worker", $"worker type '{step.WorkerType}' is not allowed (allowed: {(names.Length == 0 ? "none registered" : names)})"));
            }

            if (step.MaxRetries > policy.MaxRetriesPerStep)
            {
                problems.Add(new(plan.Name, step.StepId, "max_retries", $"{step.MaxRetries} retries, more than the {policy.MaxRetriesPerStep} allowed"));
            }
        }

        checks.Add($"workers: every step uses an allowed worker type ({names}); at most {policy.MaxStepCount} steps, {policy.MaxRetriesPerStep} retries a step");
    }

    private static void CheckTransitions(WorkflowDefinition plan, List<string> notes, List<string> checks)
    {
        foreach (var step in plan.Steps)
        {
            if (step.OnFailure is null)
            {
                notes.Add($"step '{step.StepId}': no on_failure, so its failure fails the run");
            }
        }

        checks.Add("transitions: every outcome (success, failure) of every step has a target");
    }

    private static void CheckLoops(WorkflowDefinition plan, PlanPolicy policy, List<ValidationProblem> problems, List<string> checks)
    {
        var cycle = PlanGraph.FindCycle(plan);
        if (cycle is not null && plan.MaxSteps is null)
        {
            problems.Add(new(plan.Name, cycle[0], "max_steps", $"the plan loops ({string.Join(" -> ", cycle)} -> {cycle[0]}) but sets no max_steps to bound it"));
        }

        if (plan.EffectiveMaxSteps > policy.MaxStepVisits)
        {
            problems.Add(new(plan.Name, null, "max_steps", $"{plan.EffectiveMaxSteps} step visits, more than the {policy.MaxStepVisits} allowed"));
        }

        checks.Add($"loops: every loop bounded by max_steps (at most {policy.MaxStepVisits} visits)");
    }

    private static void CheckReviews(WorkflowDefinition plan, PlanPolicy policy, List<ValidationProblem> problems, List<string> checks)
    {
        foreach (var rule in policy.RequiredReviews)
        {
            foreach (var step in plan.Steps)
            {
                if (step.Kind == StepKind.Work && step.WorkerType == rule.Producer && !PlanGraph.ReviewedOnSuccessPath(plan, step, rule.Reviewer))
                {
                    problems.Add(new(plan.Name, step.StepId, "on_success", $"the work of '{rule.Producer}' must be reviewed by a '{rule.Reviewer}' step before 'complete', and this step's success path has none"));
                }

                if (step.Kind == StepKind.Work && step.WorkerType == rule.Reviewer && string.Equals(step.OnFailure, WorkflowStep.Complete, StringComparison.Ordinal))
                {
                    problems.Add(new(plan.Name, step.StepId, "on_failure", $"a failed '{rule.Reviewer}' review must not complete the run"));
                }
            }
        }

        if (policy.RequiredReviews.Count > 0)
        {
            checks.Add("reviews: " + string.Join("; ", policy.RequiredReviews.Select(r => $"'{r.Producer}' work reviewed by '{r.Reviewer}' before 'complete'")));
        }
    }

    private static PlanCostEstimate EstimateCost(WorkflowDefinition plan, IPlanCostEstimator estimator)
    {
        var perStep = plan.Steps.Where(s => s.Kind == StepKind.Work).Select(estimator.EstimateAttempt).ToArray();
        var byId = perStep.ToDictionary(s => s.StepId, StringComparer.Ordinal);
        decimal expectedCost = 0;
        long expectedTokens = 0;
        foreach (var id in PlanGraph.SuccessPath(plan))
        {
            if (byId.TryGetValue(id, out var estimate))
            {
                expectedCost += estimate.Cost ?? 0;
                expectedTokens += estimate.InputTokens + estimate.OutputTokens;
            }
        }

        decimal dearest = 0;
        long hungriest = 0;
        foreach (var step in plan.Steps)
        {
            if (byId.TryGetValue(step.StepId, out var estimate))
            {
                dearest = Math.Max(dearest, (estimate.Cost ?? 0) * (step.MaxRetries + 1));
                hungriest = Math.Max(hungriest, (estimate.InputTokens + estimate.OutputTokens) * (step.MaxRetries + 1));
            }
        }

        // Each visit spends at most its step's attempts; a run makes at most max_steps visits.
        var visits = plan.EffectiveMaxSteps;
        return new PlanCostEstimate(expectedCost, expectedTokens, dearest * visits, hungriest * visits, perStep);
    }
}
