namespace Keel.Demo;

/// <summary>How the offline demo workers behave.</summary>
public sealed class DemoOptions
{
    /// <summary>
    /// The first draft misses a section, the review catches it, the coder is sent back.
    /// When true (the default), the coder's first draft (before any failed review) leaves out the
    /// spec's last section, so the reviewer fails and the run loops back to the coder, whose second
    /// draft renders every section. When false, the first draft is complete.
    /// </summary>
    public bool CoderForgetsASection { get; init; } = true;
}
