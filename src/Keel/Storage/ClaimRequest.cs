namespace Keel;

/// <summary>What a worker loop asks of <see cref="IRunStore.ClaimRunsAsync"/>.</summary>
public sealed record ClaimRequest
{
    /// <summary>The claiming owner (written on the leases).</summary>
    public required string Owner { get; init; }

    /// <summary>How long the leases last, from the store's clock.</summary>
    public required TimeSpan LeaseDuration { get; init; }

    /// <summary>Most runs to claim (the owner's free capacity).</summary>
    public required int Limit { get; init; }

    /// <summary>
    /// Only runs pinned to one of these definition hashes (the definitions the owner has registered); null:
    /// any. A run whose definition changed since it started is then left alone: it is blocked until someone
    /// chooses to resume it on the new definition or to cancel it.
    /// </summary>
    public IReadOnlyCollection<string>? DefinitionHashes { get; init; }

    /// <summary>Owners known to be gone (a process of this machine that no longer exists): their leases count as free.</summary>
    public IReadOnlyCollection<string>? DeadOwners { get; init; }
}

/// <summary>A run claimed by <see cref="IRunStore.ClaimRunsAsync"/>: the fencing token of its new lease, and who held the lease before (null when nobody did).</summary>
public sealed record ClaimedRun(string RunId, long Fence, string? PreviousOwner);
