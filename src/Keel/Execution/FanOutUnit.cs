using System.Text.Json;

namespace Keel;

/// <summary>
/// One branch of a parallel step, or one item of a map step, while the step runs: its worker, its
/// retries and its own view of the run (a context over the history as it was when the step began and a
/// copy of the data bus), so concurrent units never see one another and never race.
/// </summary>
internal sealed class FanOutUnit
{
    /// <summary>The step id a unit's attempts are recorded under: <c>{step}/{name}</c>.</summary>
    public static string IdOf(string stepId, string name) => stepId + "/" + name;

    public required int Index { get; init; }

    /// <summary><c>{step}/{branch}</c> or <c>{step}/{item index}</c>: the step id its attempts are recorded under.</summary>
    public required string StepId { get; init; }

    /// <summary>The branch name, or the item index as text.</summary>
    public required string Name { get; init; }

    public required WorkerType WorkerType { get; init; }

    public required WorkerDefinition Worker { get; init; }

    public required int MaxRetries { get; init; }

    public TimeSpan? Timeout { get; init; }

    public TimeSpan? RetryDelay { get; init; }

    public InputTransformer? InputTransformer { get; init; }

    /// <summary>The unit's default input: the item of a map step, or the parallel step's input for a branch.</summary>
    public JsonElement Item { get; init; }

    public required WorkflowContext Context { get; init; }

    /// <summary>The first attempt to run (after attempts recorded before an interruption).</summary>
    public int FirstAttempt { get; set; } = 1;

    /// <summary>The unit's last attempt, once it has ended (recorded or replayed from the history).</summary>
    public HistoryEntry? Final { get; set; }

    /// <summary>True once the unit's last attempt is in the run's history.</summary>
    public bool Done { get; set; }

    /// <summary>True once the unit's last attempt has ended (recorded, or parked until earlier units end): it does not run again.</summary>
    public bool Ended { get; set; }

    /// <summary>The run's data bus when the step began: what the unit's changes are measured against.</summary>
    public required IReadOnlyDictionary<string, JsonElement> BaseData { get; init; }

    /// <summary>Attempts finished and parked (<see cref="BranchAttemptFinished"/>) but not yet in the history (they wait for every earlier unit).</summary>
    public Queue<HistoryEntry> Pending => _pending ??= new();

    /// <summary>True when attempts wait in <see cref="Pending"/> (without creating the queue).</summary>
    public bool HasPending => _pending is { Count: > 0 };

    private Queue<HistoryEntry>? _pending;

    /// <summary>The unit's data bus when it ended, merged into the run's bus when its last attempt is committed.</summary>
    public IReadOnlyDictionary<string, JsonElement>? FinalData { get; set; }

    public TimeSpan DelayBeforeRetry(int failedAttempt)
        => new WorkflowStep { StepId = StepId, WorkerType = WorkerType, RetryDelay = RetryDelay }.DelayBeforeRetry(failedAttempt);
}
