using System.Globalization;
using System.Text;

namespace Keel.Demo;

/// <summary>Turns a goal into a spec, deterministically: the same goal always gives the same spec.</summary>
internal static class SpecWriter
{
    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "build", "create", "make", "design", "write", "generate", "develop", "produce", "set", "up",
        "a", "an", "the", "my", "our", "me", "us", "for", "new", "simple", "small", "nice",
        "website", "site", "web", "page", "homepage", "webpage", "landing", "one",
    };

    private static readonly Kind[] Kinds =
    [
        new(
            ["portfolio", "resume", "cv", "personal"],
            "recruiters and prospective clients",
            [
                new("about", "About me", "The person behind this portfolio and what they do."),
                new("projects", "Projects", "Selected projects, each with the problem, the approach and the result."),
                new("skills", "Skills", "The tools and techniques used day to day."),
                new("contact", "Contact", "How to get in touch."),
            ]),
        new(
            ["blog", "journal", "newsletter", "magazine"],
            "readers",
            [
                new("about", "About", "What {0} writes about and why."),
                new("posts", "Latest posts", "The most recent articles, newest first."),
                new("archive", "Archive", "Every article by month."),
                new("subscribe", "Subscribe", "How to follow new articles."),
            ]),
        new(
            ["shop", "store", "ecommerce", "boutique", "market"],
            "customers",
            [
                new("products", "Products", "What {0} sells, with prices."),
                new("about", "About", "The people behind {0}."),
                new("shipping", "Shipping and returns", "Delivery times, costs and the returns policy."),
                new("contact", "Contact", "How to reach customer service."),
            ]),
        new(
            ["restaurant", "cafe", "bakery", "bar", "bistro", "pizzeria"],
            "diners",
            [
                new("menu", "Menu", "What {0} serves, with prices."),
                new("hours", "Opening hours", "When the doors are open."),
                new("location", "Location", "Where to find {0}."),
                new("reservations", "Reservations", "How to book a table."),
            ]),
        new(
            ["event", "conference", "wedding", "meetup", "festival", "workshop"],
            "attendees",
            [
                new("schedule", "Schedule", "What happens at {0}, and when."),
                new("venue", "Venue", "Where {0} takes place and how to get there."),
                new("speakers", "Speakers", "Who is on stage."),
                new("register", "Register", "How to get a ticket."),
            ]),
    ];

    private static readonly Kind Default = new(
        [],
        "visitors",
        [
            new("about", "About", "What {0} is."),
            new("features", "Features", "What {0} offers."),
            new("contact", "Contact", "How to get in touch."),
        ]);

    public static SiteSpec Write(string goal)
    {
        ArgumentNullException.ThrowIfNull(goal);
        var words = Words(goal);
        var subject = new List<string>();
        foreach (var word in words)
        {
            if (!Filler.Contains(word))
            {
                subject.Add(word);
            }
        }

        var kind = Default;
        foreach (var candidate in Kinds)
        {
            if (subject.Exists(candidate.Keywords.Contains))
            {
                kind = candidate;
                break;
            }
        }

        var title = subject.Count == 0 ? "Home" : TitleCase(subject);
        var sections = new List<SiteSection>(kind.Sections.Length);
        foreach (var template in kind.Sections)
        {
            sections.Add(new SiteSection(template.Id, template.Heading, string.Format(CultureInfo.InvariantCulture, template.Summary, title)));
        }

        return new SiteSpec(title, kind.Audience, sections);
    }

    private static List<string> Words(string goal)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in goal)
        {
            if (char.IsLetterOrDigit(c) || c is '\'' or '-')
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private static string TitleCase(List<string> words)
    {
        var builder = new StringBuilder();
        foreach (var word in words)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        }

        return builder.ToString();
    }

    private sealed record Kind(string[] Keywords, string Audience, SiteSection[] Sections);
}
