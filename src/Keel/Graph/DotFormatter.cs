using System.Text;

namespace Keel;

/// <summary>
/// Draws a <see cref="WorkflowGraph"/> in Graphviz DOT: success edges solid green, failure edges dashed
/// red, retries dotted self-loops, terminals as double circles.
/// </summary>
public static class DotFormatter
{
    public static string Format(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder();
        text.Append("digraph ").Append(Quote(graph.Name)).Append(" {\n");
        text.Append("    rankdir=TB;\n");
        text.Append("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        if (graph.InitialStep is { } initial)
        {
            text.Append("    \"_start\" [shape=point, label=\"\"];\n");
            text.Append("    \"_start\" -> ").Append(Quote(initial)).Append(";\n");
        }

        foreach (var node in graph.Nodes)
        {
            text.Append("    ").Append(Quote(node.Id)).Append(" [").Append(Attributes(node)).Append("];\n");
        }

        foreach (var edge in graph.Edges)
        {
            text.Append("    ").Append(Quote(edge.From)).Append(" -> ").Append(Quote(edge.To))
                .Append(" [label=").Append(Quote(edge.Label)).Append(", ").Append(Style(edge.Kind)).Append("];\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static string Attributes(GraphNode node) => node.Kind switch
    {
        GraphNodeKind.Terminal => "shape=doublecircle, label=" + Quote(node.Id),
        GraphNodeKind.Approval => "shape=hexagon, style=filled, fillcolor=\"#fff4d6\", label=" + Quote(node.Id + "\napproval"),
        GraphNodeKind.Unknown => "shape=box, style=dashed, label=" + Quote(node.Id + "\n(unknown step)"),
        _ => "label=" + Quote(node.Id + "\n" + node.Label),
    };

    private static string Style(GraphEdgeKind kind) => kind switch
    {
        GraphEdgeKind.Success => "color=\"#2e7d32\", style=solid",
        GraphEdgeKind.Failure => "color=\"#c62828\", style=dashed",
        _ => "color=\"#757575\", style=dotted",
    };

    private static string Quote(string text)
        => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
