using System.Text.Json;

namespace Keel;

/// <summary>
/// What a worker may see of its run: the goal, the data bus, the history and the outputs of earlier
/// steps. It offers no way to call another worker or to choose the next step: routing belongs to the hub.
/// A context belongs to one run and is not thread-safe.
/// </summary>
public sealed class WorkflowContext
{
    private readonly List<HistoryEntry> _history;
    private HistoryList? _historyView;
    private JsonElement _goalElement;
    private TokenUsage? _attemptUsage;

    internal WorkflowContext(string workflowId, string workflowName, string goal, DataBus data, List<HistoryEntry> history, IServiceProvider? services)
    {
        WorkflowId = workflowId;
        WorkflowName = workflowName;
        Goal = goal;
        Data = data;
        _history = history;
        Services = services;
    }

    /// <summary>The run's unique id (the seed's workflow_id).</summary>
    public string WorkflowId { get; }

    /// <summary>Alias of <see cref="WorkflowId"/>.</summary>
    public string RunId => WorkflowId;

    /// <summary>The name of the workflow the run executes.</summary>
    public string WorkflowName { get; }

    /// <summary>The run's goal: the caller's, or the definition's default when none was given.</summary>
    public string Goal { get; }

    /// <summary>The run's state as the hub last set it (<see cref="WorkflowState.Running"/> while a worker runs).</summary>
    public WorkflowState State { get; internal set; }

    /// <summary>The step being executed, or the terminal target once the run has ended.</summary>
    public string CurrentStep { get; internal set; } = string.Empty;

    /// <summary>The shared data bus: values set here are normalised to JSON and recorded with the attempt.</summary>
    public DataBus Data { get; }

    /// <summary>The attempts recorded so far, oldest first (read-only; prints one entry after another).</summary>
    public IReadOnlyList<HistoryEntry> History => _historyView ??= new HistoryList(_history);

    /// <summary>The attempt being run (step, visit, number, idempotency key).</summary>
    public AttemptInfo Attempt { get; internal set; }

    /// <summary>
    /// Why this step was entered, when the run came here along a failure path or an outcome label: the
    /// sending step, its error and output, and this step's previous output. Null on a forward path.
    /// </summary>
    public Feedback? Feedback { get; internal set; }

    /// <summary>The services of the host, when the orchestrator was built by dependency injection.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>Model usage summed over the run so far.</summary>
    public TokenUsage? TotalUsage { get; internal set; }

    /// <summary>The output of the most recent successful attempt, or null when there is none.</summary>
    public JsonElement? GetLastOutput()
    {
        for (var i = _history.Count - 1; i >= 0; i--)
        {
            var entry = _history[i];
            if (entry.Outcome == AttemptOutcome.Succeeded)
            {
                return entry.Output;
            }
        }

        return null;
    }

    /// <summary>The output of the most recent successful attempt by a worker of <paramref name="workerType"/>.</summary>
    public JsonElement? GetLastOutput(WorkerType workerType)
    {
        for (var i = _history.Count - 1; i >= 0; i--)
        {
            var entry = _history[i];
            if (entry.Outcome == AttemptOutcome.Succeeded && entry.WorkerType == workerType)
            {
                return entry.Output;
            }
        }

        return null;
    }

    /// <summary>The most recent successful output, read as <typeparamref name="T"/>.</summary>
    public T? GetLastOutput<T>()
        => GetLastOutput() is { } output ? KeelJson.Deserialize<T>(output) : default;

    /// <summary>The most recent successful output of <paramref name="workerType"/>, read as <typeparamref name="T"/>.</summary>
    public T? GetLastOutput<T>(WorkerType workerType)
        => GetLastOutput(workerType) is { } output ? KeelJson.Deserialize<T>(output) : default;

    /// <summary>The most recent successful output of a step, or null.</summary>
    public JsonElement? GetStepOutput(string stepId)
    {
        for (var i = _history.Count - 1; i >= 0; i--)
        {
            var entry = _history[i];
            if (entry.Outcome == AttemptOutcome.Succeeded && string.Equals(entry.StepId, stepId, StringComparison.Ordinal))
            {
                return entry.Output;
            }
        }

        return null;
    }

    /// <summary>Reports model usage for the current attempt (AI workers call this); summed per run.</summary>
    public void ReportUsage(TokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        _attemptUsage = _attemptUsage is null ? usage : _attemptUsage.Add(usage);
    }

    internal JsonElement GoalElement
    {
        get
        {
            if (_goalElement.ValueKind == JsonValueKind.Undefined)
            {
                _goalElement = KeelJson.Normalize(Goal);
            }

            return _goalElement;
        }
    }

    internal List<HistoryEntry> MutableHistory => _history;

    internal TokenUsage? TakeAttemptUsage()
    {
        var usage = _attemptUsage;
        _attemptUsage = null;
        if (usage is not null)
        {
            CountUsage(usage);
        }

        return usage;
    }

    /// <summary>The run's model usage that came without a cost (its model has no price): a cost budget cannot be held over it.</summary>
    internal TokenUsage? UnpricedUsage { get; private set; }

    /// <summary>Adds an attempt's usage to the run's total, and to <see cref="UnpricedUsage"/> when it used tokens and has no cost.</summary>
    internal void CountUsage(TokenUsage usage)
    {
        TotalUsage = TotalUsage is null ? usage : TotalUsage.Add(usage);
        if (usage.Cost is null && usage.TotalTokens > 0)
        {
            UnpricedUsage = UnpricedUsage is null ? usage : UnpricedUsage.Add(usage);
        }
    }
}
