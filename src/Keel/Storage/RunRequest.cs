namespace Keel;

/// <summary>A control request on a run (<see cref="IRunStore.RequestAsync"/>).</summary>
public sealed record RunRequest
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>What is asked; <see cref="RunControl.None"/> withdraws a pending request.</summary>
    public required RunControl Control { get; init; }

    /// <summary>Who asks.</summary>
    public required string By { get; init; }

    /// <summary>Why (kept with a cancellation).</summary>
    public string? Reason { get; init; }
}
