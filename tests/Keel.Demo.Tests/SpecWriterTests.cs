using System.Text.Json;

namespace Keel.Demo.Tests;

public sealed class SpecWriterTests
{
    [Fact]
    public void Write_PortfolioGoal_GivesPortfolioSections()
    {
        var spec = SpecWriter.Write("Build a portfolio website");

        Assert.Equal("Portfolio", spec.Title);
        Assert.Equal("recruiters and prospective clients", spec.Audience);
        Assert.Equal(["about", "projects", "skills", "contact"], spec.Sections.Select(s => s.Id));
        Assert.Equal("Contact", spec.Sections[3].Heading);
    }

    [Fact]
    public void Write_SameGoal_GivesSameSpec()
    {
        var first = JsonSerializer.Serialize(SpecWriter.Write("Create a bakery site for Rosa's"));
        var second = JsonSerializer.Serialize(SpecWriter.Write("Create a bakery site for Rosa's"));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Write_KindFromKeyword_PicksSectionsAndKeepsSubjectAsTitle()
    {
        var spec = SpecWriter.Write("Make the Lisbon Rust meetup page!");

        Assert.Equal("Lisbon Rust Meetup", spec.Title);
        Assert.Equal("attendees", spec.Audience);
        Assert.Equal(["schedule", "venue", "speakers", "register"], spec.Sections.Select(s => s.Id));
        Assert.Contains("Lisbon Rust Meetup", spec.Sections[0].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_UnknownKind_GivesDefaultSections()
    {
        var spec = SpecWriter.Write("Build a website for the garden club");

        Assert.Equal("Garden Club", spec.Title);
        Assert.Equal("visitors", spec.Audience);
        Assert.Equal(["about", "features", "contact"], spec.Sections.Select(s => s.Id));
    }

    [Fact]
    public void Write_GoalOfOnlyFillerWords_TitlesThePageHome()
    {
        var spec = SpecWriter.Write("Build a website");

        Assert.Equal("Home", spec.Title);
        Assert.NotEmpty(spec.Sections);
    }
}
