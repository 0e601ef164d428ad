using System.Text.Json;

namespace Keel;

/// <summary>A stored run: what it runs, where it is, who holds it.</summary>
public sealed record RunRecord
{
    /// <summary>The run's id, unique in its store.</summary>
    public required string RunId { get; init; }

    /// <summary>The name of the workflow the run executes.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>The run's goal.</summary>
    public required string Goal { get; init; }

    /// <summary>Where the run is in its life cycle.</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The step to run next (or the one waiting for approval), or the terminal target reached.</summary>
    public required string CurrentStep { get; init; }

    /// <summary>The visit of <see cref="CurrentStep"/> (from 1).</summary>
    public int Visit { get; init; } = 1;

    /// <summary>The attempt of the current visit to run next (from 1).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Step visits spent from the run's step budget.</summary>
    public int StepsTaken { get; init; } = 1;

    /// <summary>The run's data bus as last checkpointed (JSON values by key).</summary>
    public IReadOnlyDictionary<string, JsonElement> Data { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The data bus the run started with (what a fork at the first entry starts from).</summary>
    public IReadOnlyDictionary<string, JsonElement> InitialData { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The definition the run is pinned to, as canonical JSON.</summary>
    public required string DefinitionJson { get; init; }

    /// <summary>SHA-256 of <see cref="DefinitionJson"/>, hex.</summary>
    public required string DefinitionHash { get; init; }

    /// <summary>When the run was created (store clock).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run was last written.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Why the run failed or was cancelled; null otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>The run this one was forked from, and the history sequence it was forked at.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>The history sequence of <see cref="ParentRunId"/> the fork started from; null for a run that was not forked.</summary>
    public int? ParentSequence { get; init; }

    /// <summary>
    /// For a child run (a sub-workflow step's attempt, <see cref="ParentSequence"/> null): the parent's step
    /// that runs it, read from the child's id (<c>{parent}:{step}:{visit}:{attempt}</c>); null for other runs.
    /// </summary>
    public string? ParentStepId
    {
        get
        {
            if (ParentRunId is not { } parent || ParentSequence is not null || !RunId.StartsWith(parent + ":", StringComparison.Ordinal))
            {
                return null;
            }

            var rest = RunId.AsSpan(parent.Length + 1);
            var last = rest.LastIndexOf(':');
            var visit = last > 0 ? rest[..last].LastIndexOf(':') : -1;
            return visit > 0 ? rest[..visit].ToString() : null;
        }
    }

    /// <summary>The process holding the run's lease, or null when none does.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>When the lease lapses (store clock); after it any process may take the run over.</summary>
    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>Fencing token: incremented by every lease acquisition; a commit with an older one is refused.</summary>
    public long Fence { get; init; }

    /// <summary>Number of history entries. The hub reads no history for a run whose count is 0, so a store must keep it exact.</summary>
    public int HistoryCount { get; init; }

    /// <summary>Bytes the run takes in the store (approximate: recorded JSON and text).</summary>
    public long SizeBytes { get; init; }

    /// <summary>Input tokens reported by the run's attempts so far.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens reported by the run's attempts so far.</summary>
    public long OutputTokens { get; init; }

    /// <summary>The cost reported by the run's attempts so far, in the price table's currency; null when none reported a cost.</summary>
    public decimal? Cost { get; init; }

    /// <summary>The run's token budget (from <see cref="ExecuteOptions.MaxTokens"/>), kept so a resumed run honours it.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>The run's cost budget (from <see cref="ExecuteOptions.MaxCost"/>), kept so a resumed run honours it.</summary>
    public decimal? MaxCost { get; init; }

    /// <summary>The sequence of the run's newest event (1 once created).</summary>
    public long LastEventSequence { get; init; }

    /// <summary>A control request pending on the run (cancel or pause), for its owner to honour.</summary>
    public RunControl Control { get; init; }

    /// <summary>Who made the pending <see cref="Control"/> request.</summary>
    public string? ControlBy { get; init; }

    /// <summary>Why (for a cancellation).</summary>
    public string? ControlReason { get; init; }
}

/// <summary>One atomic write of a run: an entry (when there is one), the data bus (when it changed) and the position.</summary>
public sealed record Checkpoint
{
    /// <summary>The run written.</summary>
    public required string RunId { get; init; }

    /// <summary>The fencing token of the lease the writer holds.</summary>
    public required long Fence { get; init; }

    /// <summary>The history entry appended, or null when only the position moves.</summary>
    public HistoryEntry? Entry { get; init; }

    /// <summary>The whole data bus, when it changed since the last checkpoint; null when unchanged.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    /// <summary>The run's state after the write.</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The step to run next after the write, or the terminal target reached.</summary>
    public required string CurrentStep { get; init; }

    /// <summary>The visit of <see cref="CurrentStep"/> (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt of the visit to run next (from 1).</summary>
    public required int Attempt { get; init; }

    /// <summary>Step visits spent from the run's step budget.</summary>
    public required int StepsTaken { get; init; }

    /// <summary>Why the run failed or was cancelled, when the write ends it so.</summary>
    public string? Error { get; init; }

    /// <summary>When the write was made (the writer's view of the store clock).</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When set, the lease is extended to this time in the same transaction; a store may leave it while more than half of the asked-for term remains (the heartbeat renews it every third).</summary>
    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>
    /// The events describing the change, numbered on from the run's newest (written in the same
    /// transaction). The first one's sequence identifies the checkpoint: a repeat is a no-op.
    /// </summary>
    public IReadOnlyList<RunEvent> Events { get; init; } = [];

    /// <summary>When true, the run's pending control request is cleared in the same transaction (the writer honoured it).</summary>
    public bool ClearsControl { get; init; }

    /// <summary>
    /// True when the writer stops driving the run with this checkpoint (the run ended or waits for
    /// approval): the store frees the lease in the same transaction, so ending a run costs no extra commit.
    /// </summary>
    public bool ReleasesLease { get; init; }
}

/// <summary>Filters for listing runs. Every field is optional.</summary>
public sealed record RunQuery
{
    /// <summary>Only runs of this workflow.</summary>
    public string? WorkflowName { get; init; }

    /// <summary>Only runs in this state.</summary>
    public WorkflowState? State { get; init; }

    /// <summary>Only runs created at or after this time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Only runs created before this time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Only runs started from this run (<see cref="RunRecord.ParentRunId"/>): its forks, re-runs and sub-workflow children.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>Only runs whose lease is free or expired at this time (for recovery).</summary>
    public DateTimeOffset? LeaseFreeAt { get; init; }

    /// <summary>Most runs to return. Default 100.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Only runs listed after this one (the last of the previous page): pages stay whole when runs share a creation time.</summary>
    public RunCursor? After { get; init; }
}

/// <summary>A position in a listing of runs, newest first: a run's creation time and id.</summary>
public readonly record struct RunCursor(DateTimeOffset CreatedAt, string RunId)
{
    /// <summary>The cursor just after <paramref name="run"/>.</summary>
    public static RunCursor Of(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunCursor(run.CreatedAt, run.RunId);
    }

    /// <summary>True when a run at (<paramref name="createdAt"/>, <paramref name="runId"/>) comes after this cursor in a newest-first listing.</summary>
    public bool Precedes(DateTimeOffset createdAt, string runId)
        => createdAt < CreatedAt || (createdAt == CreatedAt && string.CompareOrdinal(runId, RunId) < 0);

    /// <summary>The cursor as text (creation ticks and run id), for a page token.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}.{RunId}");

    /// <summary>Reads a cursor written by <see cref="ToString"/>; false when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out RunCursor cursor)
    {
        cursor = default;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || !long.TryParse(text.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks || dot == text!.Length - 1)
        {
            return false;
        }

        cursor = new RunCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(dot + 1)..]);
        return true;
    }
}
