namespace Keel.Demo;

/// <summary>What the product manager hands on: the page to build.</summary>
/// <param name="Title">The page title (the <c>&lt;title&gt;</c> and the <c>&lt;h1&gt;</c>).</param>
/// <param name="Audience">Who the site is for.</param>
/// <param name="Sections">The sections the page must have, in order.</param>
public sealed record SiteSpec(string Title, string Audience, IReadOnlyList<SiteSection> Sections);

/// <summary>One section of a page: its element id, its heading and what it says.</summary>
public sealed record SiteSection(string Id, string Heading, string Summary);
