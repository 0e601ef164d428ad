namespace Keel;

/// <summary>A request on a run made by anyone, honoured by whoever drives it (recorded by name, snake case).</summary>
public enum RunControl
{
    /// <summary>No request.</summary>
    None,

    /// <summary>End the run cancelled: at once when nobody drives it, else after the attempt in flight.</summary>
    Cancel,

    /// <summary>Stop driving the run after the attempt in flight; it waits, paused, until resumed.</summary>
    Pause,
}
