namespace Keel;

/// <summary>
/// How many worker calls may run at once. Every limit is optional; a call waits until it is under all that
/// apply to it. Names match case-insensitively.
/// </summary>
public sealed class AttemptLimits
{
    /// <summary>Most concurrent calls to workers of each type (for example <c>coder: 4</c>).</summary>
    public IDictionary<string, int> PerWorkerType { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Most concurrent calls to each model (for example <c>gpt-4o: 8</c>), so no more than N calls reach one model at once.</summary>
    public IDictionary<string, int> PerModel { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Most runs of each workflow driven at once (for example <c>nightly_report: 2</c>), held by the orchestrator
    /// whose <see cref="OrchestratorOptions.RunLimiter"/> is the limiter; a run over the limit waits, it does not fail.
    /// </summary>
    public IDictionary<string, int> PerWorkflow { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Most concurrent worker calls in this process, whatever their type or model. Null: no limit.</summary>
    public int? PerProcess { get; set; }

    /// <summary>Throws naming the first limit that is not at least 1.</summary>
    public void Validate()
    {
        foreach (var (name, limit) in PerWorkerType)
        {
            Require(limit, $"AttemptLimits.PerWorkerType['{name}']");
        }

        foreach (var (name, limit) in PerModel)
        {
            Require(limit, $"AttemptLimits.PerModel['{name}']");
        }

        foreach (var (name, limit) in PerWorkflow)
        {
            Require(limit, $"AttemptLimits.PerWorkflow['{name}']");
        }

        if (PerProcess is { } perProcess)
        {
            Require(perProcess, "AttemptLimits.PerProcess");
        }
    }

    /// <summary>The scopes that limit <paramref name="admission"/>, with their limits, in a fixed order (worker type, then model), so acquirers never deadlock.</summary>
    public IReadOnlyList<(string Scope, int Limit)> ScopesFor(AttemptAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        var scopes = new List<(string, int)>(2);
        if (PerWorkerType.TryGetValue(admission.WorkerType.Value, out var byType))
        {
            scopes.Add(("worker_type:" + admission.WorkerType.Value.ToLowerInvariant(), byType));
        }

        if (admission.Model is { } model && PerModel.TryGetValue(model, out var byModel))
        {
            scopes.Add(("model:" + model.ToLowerInvariant(), byModel));
        }

        return scopes;
    }

    /// <summary>The scope that limits the runs of <paramref name="workflowName"/>, with its limit; null when none does.</summary>
    public (string Scope, int Limit)? RunScopeFor(string workflowName)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        return PerWorkflow.TryGetValue(workflowName, out var limit) ? ("workflow:" + workflowName.ToLowerInvariant(), limit) : null;
    }

    private static void Require(int limit, string name)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(name, limit, $"{name} must be at least 1.");
        }
    }
}
