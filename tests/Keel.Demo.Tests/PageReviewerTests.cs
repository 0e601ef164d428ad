namespace Keel.Demo.Tests;

public sealed class PageReviewerTests
{
    private static readonly SiteSpec Spec = SpecWriter.Write("Build a portfolio website");

    [Fact]
    public void Check_CompletePage_HasNoProblems()
    {
        var html = PageRenderer.Render(Spec, Spec.Sections);

        Assert.Empty(PageReviewer.Check(Spec, html));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Portfolio</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Portfolio</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<section id=\"projects\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PageMissingASection_NamesTheSection()
    {
        var html = PageRenderer.Render(Spec, Spec.Sections.Take(3).ToList());

        var problem = Assert.Single(PageReviewer.Check(Spec, html));
        Assert.Equal("missing 1 of 4 section(s) of the spec: 'contact' (Contact)", problem);
    }

    [Fact]
    public void Check_MalformedMarkup_SaysItDoesNotParse()
    {
        var html = PageRenderer.Render(Spec, Spec.Sections).Replace("</main>", string.Empty, StringComparison.Ordinal);

        var problem = Assert.Single(PageReviewer.Check(Spec, html));
        Assert.StartsWith("the page is not well-formed markup:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WrongTitleAndNoHeading_ListsEveryProblem()
    {
        var html = PageRenderer.Render(Spec, Spec.Sections)
            .Replace("<title>Portfolio</title>", "<title>Blog</title>", StringComparison.Ordinal)
            .Replace("<h1>Portfolio</h1>", string.Empty, StringComparison.Ordinal)
            .Replace("<h2>Skills</h2>", "<h3>Skills</h3>", StringComparison.Ordinal);

        var problems = PageReviewer.Check(Spec, html);

        Assert.Equal(
            [
                "the <title> is 'Blog', the spec asks for 'Portfolio'",
                "the page has no <h1>",
                "section 'skills' lacks the heading <h2>Skills</h2>",
            ],
            problems);
    }

    [Fact]
    public void Render_TextWithMarkupCharacters_IsEscapedAndStillParses()
    {
        var spec = new SiteSpec("Tom & Jerry <Inc>", "fans", [new SiteSection("about", "About \"us\"", "a < b & c")]);

        var html = PageRenderer.Render(spec, spec.Sections);

        Assert.Empty(PageReviewer.Check(spec, html));
        Assert.Contains("Tom &amp; Jerry &lt;Inc&gt;", html, StringComparison.Ordinal);
    }
}
