namespace Keel;

/// <summary>A paused run was resumed: it is pending again, for the next owner to drive.</summary>
public sealed record RunResumed : RunEvent
{
    /// <summary>Who asked.</summary>
    public required string By { get; init; }
}
