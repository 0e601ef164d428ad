namespace Keel;

/// <summary>The run reached an approval step and waits for a person to approve or reject it.</summary>
public sealed record RunParked : RunEvent
{
    /// <summary>The approval step.</summary>
    public required string StepId { get; init; }

    /// <summary>What the step asks the person.</summary>
    public string? Prompt { get; init; }
}
