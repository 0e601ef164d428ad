using System.Xml;
using System.Xml.Linq;

namespace Keel.Demo;

/// <summary>Checks a page against its spec: it parses, it has the title, an h1 and every section.</summary>
internal static class PageReviewer
{
    /// <summary>Every problem found; empty when the page meets the spec.</summary>
    public static IReadOnlyList<string> Check(SiteSpec spec, string html)
    {
        var problems = new List<string>();
        XDocument document;
        try
        {
            document = Parse(html);
        }
        catch (XmlException ex)
        {
            problems.Add($"the page is not well-formed markup: {ex.Message}");
            return problems;
        }

        var root = document.Root!;
        if (root.Name.LocalName != "html")
        {
            problems.Add($"the root element is <{root.Name.LocalName}>, expected <html>");
        }

        var title = First(root, "title");
        if (title is null)
        {
            problems.Add("the page has no <title>");
        }
        else if (!string.Equals(title.Value.Trim(), spec.Title, StringComparison.Ordinal))
        {
            problems.Add($"the <title> is '{title.Value.Trim()}', the spec asks for '{spec.Title}'");
        }

        if (First(root, "h1") is null)
        {
            problems.Add("the page has no <h1>");
        }

        var found = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var element in root.Descendants())
        {
            if (element.Name.LocalName == "section" && element.Attribute("id")?.Value is { } id)
            {
                found.TryAdd(id, element);
            }
        }

        var missing = new List<string>();
        foreach (var section in spec.Sections)
        {
            if (!found.TryGetValue(section.Id, out var element))
            {
                missing.Add($"'{section.Id}' ({section.Heading})");
            }
            else if (First(element, "h2") is not { } heading || !string.Equals(heading.Value.Trim(), section.Heading, StringComparison.Ordinal))
            {
                problems.Add($"section '{section.Id}' lacks the heading <h2>{section.Heading}</h2>");
            }
        }

        if (missing.Count > 0)
        {
            problems.Insert(0, $"missing {missing.Count} of {spec.Sections.Count} section(s) of the spec: {string.Join(", ", missing)}");
        }

        return problems;
    }

    private static XDocument Parse(string html)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
        using var text = new StringReader(html);
        using var reader = XmlReader.Create(text, settings);
        return XDocument.Load(reader);
    }

    private static XElement? First(XElement scope, string localName)
    {
        foreach (var element in scope.Descendants())
        {
            if (element.Name.LocalName == localName)
            {
                return element;
            }
        }

        return null;
    }
}
