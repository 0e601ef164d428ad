namespace Keel;

/// <summary>The run's owner took up a request to cancel it; the run ends cancelled at once or after the attempt in flight.</summary>
public sealed record CancelRequested : RunEvent
{
    /// <summary>Who asked.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }
}
