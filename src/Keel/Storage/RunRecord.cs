using System.Text.Json;

namespace Keel;

/// <summary>A stored run: what it runs, where it is, who holds it.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }

    public required string WorkflowName { get; init; }

    public required string Goal { get; init; }

    public required WorkflowState State { get; init; }

    /// <summary>The step to run next (or the one waiting for approval), or the terminal target reached.</summary>
    public required string CurrentStep { get; init; }

    /// <summary>The visit of <see cref="CurrentStep"/> (from 1).</summary>
    public int Visit { get; init; } = 1;

    /// <summary>The attempt of the current visit to run next (from 1).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Step visits spent from the run's step budget.</summary>
    public int StepsTaken { get; init; } = 1;

    public IReadOnlyDictionary<string, JsonElement> Data { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The data bus the run started with (what a fork at the first entry starts from).</summary>
    public IReadOnlyDictionary<string, JsonElement> InitialData { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The definition the run is pinned to, as canonical JSON.</summary>
    public required string DefinitionJson { get; init; }

    /// <summary>SHA-256 of <see cref="DefinitionJson"/>, hex.</summary>
    public required string DefinitionHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public string? Error { get; init; }

    /// <summary>The run this one was forked from, and the history sequence it was forked at.</summary>
    public string? ParentRunId { get; init; }

    public int? ParentSequence { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>Fencing token: incremented by every lease acquisition; a commit with an older one is refused.</summary>
    public long Fence { get; init; }

    /// <summary>Number of history entries.</summary>
    public int HistoryCount { get; init; }

    /// <summary>Bytes the run takes in the store (approximate: recorded JSON and text).</summary>
    public long SizeBytes { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public decimal? Cost { get; init; }

    /// <summary>The run's token budget (from <see cref="ExecuteOptions.MaxTokens"/>), kept so a resumed run honours it.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>The run's cost budget (from <see cref="ExecuteOptions.MaxCost"/>), kept so a resumed run honours it.</summary>
    public decimal? MaxCost { get; init; }
}

/// <summary>One atomic write of a run: an entry (when there is one), the data bus (when it changed) and the position.</summary>
public sealed record Checkpoint
{
    public required string RunId { get; init; }

    /// <summary>The fencing token of the lease the writer holds.</summary>
    public required long Fence { get; init; }

    public HistoryEntry? Entry { get; init; }

    /// <summary>The whole data bus, when it changed since the last checkpoint; null when unchanged.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    public required WorkflowState State { get; init; }

    public required string CurrentStep { get; init; }

    public required int Visit { get; init; }

    public required int Attempt { get; init; }

    public required int StepsTaken { get; init; }

    public string? Error { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When set, the lease is extended to this time in the same transaction; a store may leave it while more than half of the asked-for term remains (the heartbeat renews it every third).</summary>
    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>
    /// True when the writer stops driving the run with this checkpoint (the run ended or waits for
    /// approval): the store frees the lease in the same transaction, so ending a run costs no extra commit.
    /// </summary>
    public bool ReleasesLease { get; init; }
}

/// <summary>Filters for listing runs. Every field is optional.</summary>
public sealed record RunQuery
{
    public string? WorkflowName { get; init; }

    public WorkflowState? State { get; init; }

    public DateTimeOffset? CreatedAfter { get; init; }

    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Only runs whose lease is free or expired at this time (for recovery).</summary>
    public DateTimeOffset? LeaseFreeAt { get; init; }

    public int Limit { get; init; } = 100;
}
