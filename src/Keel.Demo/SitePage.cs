namespace Keel.Demo;

/// <summary>What the coder hands on: the rendered page.</summary>
/// <param name="Title">The title the page was rendered with.</param>
/// <param name="Html">The page itself: well-formed XHTML5.</param>
/// <param name="Sections">The ids of the sections rendered, in order.</param>
/// <param name="Draft">Which draft this is (1 for the first visit of the coder).</param>
/// <param name="Addresses">The review error this draft answers, when it is a revision.</param>
public sealed record SitePage(string Title, string Html, IReadOnlyList<string> Sections, int Draft, string? Addresses = null);
