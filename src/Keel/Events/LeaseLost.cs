namespace Keel;

/// <summary>
/// The run changed owner: <see cref="PreviousOwner"/>'s lease expired (or its process was gone) and
/// <see cref="Owner"/> took the run over. Written by the new owner with its first checkpoint; a late write
/// by the previous owner is refused by the store's fencing token.
/// </summary>
public sealed record LeaseLost : RunEvent
{
    /// <summary>The owner that lost the lease.</summary>
    public required string PreviousOwner { get; init; }

    /// <summary>The owner that holds it now.</summary>
    public required string Owner { get; init; }
}
