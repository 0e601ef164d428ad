namespace Keel.Demo;

/// <summary>What the reviewer hands on when the page passes: what was checked.</summary>
/// <param name="Approved">Always true: a page that fails the review fails the attempt instead.</param>
/// <param name="Title">The title found on the page.</param>
/// <param name="SectionsChecked">The section ids found, in spec order.</param>
/// <param name="Draft">The draft that passed.</param>
/// <param name="Bytes">The size of the page in UTF-8 bytes.</param>
public sealed record ReviewReport(bool Approved, string Title, IReadOnlyList<string> SectionsChecked, int Draft, int Bytes);
