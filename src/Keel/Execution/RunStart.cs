namespace Keel;

/// <summary>How a <see cref="RunOwner"/> comes to own a run.</summary>
internal enum StartKind
{
    /// <summary>A new run: stored holding this process's lease (or not stored at all without a store).</summary>
    Fresh,

    /// <summary>A fork: a new run stored with the history it starts from, holding the lease.</summary>
    Fork,

    /// <summary>A stored run this process takes the lease of.</summary>
    Resume,

    /// <summary>A run a worker loop claimed (lease and capacity slot already held).</summary>
    Claimed,

    /// <summary>A decision at the approval step the run waits at.</summary>
    Decision,

    /// <summary>A cancellation of a run nobody drives.</summary>
    Cancel,

    /// <summary>A pause of a run nobody drives.</summary>
    Pause,

    /// <summary>A paused run made pending again.</summary>
    Unpause,
}

/// <summary>What a <see cref="RunOwner"/> is asked to do with one run.</summary>
internal sealed record RunStart
{
    /// <summary>
    /// A fresh run without a store: the run is its session, given beside this shared request (which names no
    /// run), so an in-memory run makes no request of its own.
    /// </summary>
    public static RunStart FreshInMemory { get; } = new() { Kind = StartKind.Fresh, RunId = string.Empty, Workflow = null!, Workers = [] };

    public required StartKind Kind { get; init; }

    public required string RunId { get; init; }

    public required CompiledWorkflow Workflow { get; init; }

    public required WorkerDefinition?[] Workers { get; init; }

    /// <summary>True when the driver drives the run's workers after opening it (false for decisions handed to a worker loop, and control).</summary>
    public bool Drive { get; init; } = true;

    public bool Verbose { get; init; }

    /// <summary>Fresh and Fork: the run to create. Others: the run as last read (for its lease holder).</summary>
    public RunRecord? Record { get; init; }

    /// <summary>Fresh without a store: the session built in memory.</summary>
    public RunSession? Session { get; init; }

    /// <summary>Fork: the history the run starts from.</summary>
    public IReadOnlyList<HistoryEntry> Prefix { get; init; } = [];

    /// <summary>Claimed: the lease's fencing token and the owner it was taken from.</summary>
    public long Fence { get; init; }

    public string? PreviousOwner { get; init; }

    /// <summary>Claimed: the worker loop took the capacity slot; the driver gives it back.</summary>
    public bool HoldsSlot { get; init; }

    /// <summary>A child run driven by its parent's attempt: it runs in the parent's capacity slot and takes none.</summary>
    public bool SharesSlot { get; init; }

    /// <summary>Decision: the step, the verdict, who and why.</summary>
    public string? StepId { get; init; }

    public bool Approved { get; init; }

    /// <summary>Decision, Cancel, Pause, Unpause: who asks, and why.</summary>
    public string By { get; init; } = "unknown";

    public string? Reason { get; init; }

    /// <summary>Resume: budgets overriding the stored ones.</summary>
    public long? MaxTokens { get; init; }

    public decimal? MaxCost { get; init; }
}
