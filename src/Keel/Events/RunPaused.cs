namespace Keel;

/// <summary>The run was paused: no one drives it until it is resumed.</summary>
public sealed record RunPaused : RunEvent
{
    /// <summary>Who asked.</summary>
    public required string By { get; init; }

    /// <summary>The step it will continue at.</summary>
    public required string StepId { get; init; }
}
