using System.Text;

namespace Keel;

/// <summary>
/// Draws a <see cref="WorkflowGraph"/> in Graphviz DOT: success edges solid green, failure edges dashed
/// red, retries dotted self-loops, terminals as double circles.
/// </summary>
public static class DotFormatter
{
    /// <summary>The DOT text of <paramref name="graph"/>: one digraph named after the workflow, starting at its initial step.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="graph"/> is null.</exception>
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
            if (node.Kind == GraphNodeKind.Branch)
            {
                continue;
            }

            text.Append("    ").Append(Quote(node.Id)).Append(" [").Append(Attributes(node)).Append("];\n");
            if (node.Kind == GraphNodeKind.Parallel)
            {
                text.Append("    subgraph ").Append(Quote("cluster_" + node.Id)).Append(" {\n        label=").Append(Quote(node.Id + " branches")).Append(";\n        style=dashed;\n");
                foreach (var branch in graph.Nodes.Where(n => n.Kind == GraphNodeKind.Branch && n.Id.StartsWith(node.Id + "/", StringComparison.Ordinal)))
                {
                    text.Append("        ").Append(Quote(branch.Id)).Append(" [").Append(Attributes(branch)).Append("];\n");
                }

                text.Append("    }\n");
            }
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
        GraphNodeKind.Parallel => "shape=trapezium, label=" + Quote(node.Id + "\n" + node.Label),
        GraphNodeKind.Join => "shape=invtrapezium, label=" + Quote(node.Label),
        GraphNodeKind.Map => "shape=box3d, label=" + Quote(node.Id + "\n" + node.Label),
        GraphNodeKind.Branch => "label=" + Quote(node.Description + "\n" + node.Label),
        _ => "label=" + Quote(node.Id + "\n" + node.Label),
    };

    private static string Style(GraphEdgeKind kind) => kind switch
    {
        GraphEdgeKind.Success => "color=\"#2e7d32\", style=solid",
        GraphEdgeKind.Failure => "color=\"#c62828\", style=dashed",
        GraphEdgeKind.Label => "color=\"#1565c0\", style=solid",
        GraphEdgeKind.Branch => "color=\"#333333\", style=solid",
        _ => "color=\"#757575\", style=dotted",
    };

    private static string Quote(string text)
        => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
