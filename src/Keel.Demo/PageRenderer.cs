using System.Net;
using System.Text;

namespace Keel.Demo;

/// <summary>Renders a spec as a well-formed XHTML5 page (valid HTML and valid XML at once).</summary>
internal static class PageRenderer
{
    public static string Render(SiteSpec spec, IReadOnlyList<SiteSection> sections)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n");
        html.Append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n");
        html.Append("<head>\n");
        html.Append("  <meta charset=\"utf-8\" />\n");
        html.Append("  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
        html.Append("  <title>").Append(Encode(spec.Title)).Append("</title>\n");
        html.Append("  <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}nav a{margin-right:1rem}section{border-top:1px solid #ddd;padding:1rem 0}</style>\n");
        html.Append("</head>\n");
        html.Append("<body>\n");
        html.Append("  <header>\n");
        html.Append("    <h1>").Append(Encode(spec.Title)).Append("</h1>\n");
        html.Append("    <p>For ").Append(Encode(spec.Audience)).Append(".</p>\n");
        html.Append("    <nav>");
        foreach (var section in sections)
        {
            html.Append("<a href=\"#").Append(Encode(section.Id)).Append("\">").Append(Encode(section.Heading)).Append("</a>");
        }

        html.Append("</nav>\n");
        html.Append("  </header>\n");
        html.Append("  <main>\n");
        foreach (var section in sections)
        {
            html.Append("    <section id=\"").Append(Encode(section.Id)).Append("\">\n");
            html.Append("      <h2>").Append(Encode(section.Heading)).Append("</h2>\n");
            html.Append("      <p>").Append(Encode(section.Summary)).Append("</p>\n");
            html.Append("    </section>\n");
        }

        html.Append("  </main>\n");
        html.Append("  <footer><p>Built by a deterministic Keel workflow.</p></footer>\n");
        html.Append("</body>\n");
        html.Append("</html>\n");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
