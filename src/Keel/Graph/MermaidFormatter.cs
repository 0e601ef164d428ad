using System.Text;

namespace Keel;

/// <summary>
/// Draws a <see cref="WorkflowGraph"/> as a Mermaid flowchart: success edges solid, failure edges
/// dotted red, retries as dotted grey self-loops, terminals as rounded nodes.
/// </summary>
public static class MermaidFormatter
{
    /// <summary>The Mermaid text of <paramref name="graph"/>: a top-down <c>flowchart</c> titled with the workflow's name, starting at its initial step.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="graph"/> is null.</exception>
    public static string Format(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder();
        var ids = new NodeIds(graph);
        string Id(string stepId) => ids.Of(stepId);
        text.Append("---\ntitle: ").Append(graph.Name).Append("\n---\n");
        text.Append("flowchart TD\n");
        if (graph.InitialStep is { } initial)
        {
            text.Append("    _start((start)) --> ").Append(Id(initial)).Append('\n');
        }

        foreach (var node in graph.Nodes)
        {
            if (node.Kind == GraphNodeKind.Branch)
            {
                continue;
            }

            text.Append("    ").Append(Id(node.Id)).Append(Shape(node)).Append('\n');
            if (node.Kind == GraphNodeKind.Parallel)
            {
                // The branches of a parallel step, drawn side by side in one group.
                text.Append("    subgraph ").Append(Id(node.Id + "/branches")).Append(" [\"").Append(Escape(node.Id)).Append(" branches\"]\n");
                foreach (var branch in graph.Nodes.Where(n => n.Kind == GraphNodeKind.Branch && n.Id.StartsWith(node.Id + "/", StringComparison.Ordinal)))
                {
                    text.Append("        ").Append(Id(branch.Id)).Append(Shape(branch)).Append('\n');
                }

                text.Append("    end\n");
            }
        }

        var index = 0;
        var success = new List<int>();
        var failure = new List<int>();
        var retry = new List<int>();
        var branches = new List<int>();
        if (graph.InitialStep is not null)
        {
            index++;
        }

        foreach (var edge in graph.Edges)
        {
            var arrow = edge.Kind is GraphEdgeKind.Success or GraphEdgeKind.Label or GraphEdgeKind.Branch ? "-->" : "-.->";
            text.Append("    ").Append(Id(edge.From)).Append(' ').Append(arrow);
            if (edge.Label.Length > 0)
            {
                text.Append('|').Append(Escape(edge.Label)).Append('|');
            }

            text.Append(' ').Append(Id(edge.To)).Append('\n');
            (edge.Kind switch { GraphEdgeKind.Success or GraphEdgeKind.Label => success, GraphEdgeKind.Failure => failure, GraphEdgeKind.Branch => branches, _ => retry }).Add(index++);
        }

        text.Append("    classDef terminal fill:#eee,stroke:#333\n");
        text.Append("    classDef approval fill:#fff4d6,stroke:#b8860b\n");
        foreach (var node in graph.Nodes)
        {
            if (node.Kind is GraphNodeKind.Terminal or GraphNodeKind.Approval)
            {
                text.Append("    class ").Append(Id(node.Id)).Append(node.Kind == GraphNodeKind.Terminal ? " terminal\n" : " approval\n");
            }
        }

        if (success.Count > 0)
        {
            text.Append("    linkStyle ").Append(string.Join(',', success)).Append(" stroke:#2e7d32,stroke-width:2px\n");
        }

        if (failure.Count > 0)
        {
            text.Append("    linkStyle ").Append(string.Join(',', failure)).Append(" stroke:#c62828\n");
        }

        if (retry.Count > 0)
        {
            text.Append("    linkStyle ").Append(string.Join(',', retry)).Append(" stroke:#757575\n");
        }

        return text.ToString();
    }

    private static string Shape(GraphNode node) => node.Kind switch
    {
        GraphNodeKind.Terminal => "([" + node.Id + "])",
        GraphNodeKind.Approval => "{{\"" + Escape(node.Id) + "<br/>approval\"}}",
        GraphNodeKind.Unknown => "[\"" + Escape(node.Id) + "<br/>(unknown step)\"]",
        GraphNodeKind.Parallel => "[/\"" + Escape(node.Id) + "<br/>" + Escape(node.Label) + "\"\\]",
        GraphNodeKind.Join => "[\\\"" + Escape(node.Label) + "\"/]",
        GraphNodeKind.Map => "[[\"" + Escape(node.Id) + "<br/>" + Escape(node.Label) + "\"]]",
        GraphNodeKind.SubWorkflow => "[(\"" + Escape(node.Id) + "<br/>" + Escape(node.Label) + "\")]",
        GraphNodeKind.Branch => "[\"" + Escape(node.Description) + "<br/>" + Escape(node.Label) + "\"]",
        _ => "[\"" + Escape(node.Id) + "<br/>" + Escape(node.Label) + "\"]",
    };

    /// <summary>Mermaid ids: letters, digits and underscores; 'end' is a keyword, so every id gets a prefix.</summary>
    /// <summary>
    /// Mermaid node ids for a graph's step ids, one each: <c>s_</c> and the id with every character that is not
    /// a letter, a digit or <c>_</c> written as <c>_</c>. Ids already made of those characters are given first
    /// and stay as they are; an id that would then meet another (<c>a-b</c> beside <c>a_b</c>) gets the first
    /// free <c>_2</c>, <c>_3</c>..., so distinct steps never share a node.
    /// </summary>
    private sealed class NodeIds
    {
        private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

        public NodeIds(WorkflowGraph graph)
        {
            var all = new List<string>();
            if (graph.InitialStep is { } initial)
            {
                all.Add(initial);
            }

            foreach (var node in graph.Nodes)
            {
                all.Add(node.Id);
                all.Add(node.Id + "/branches");
            }

            foreach (var edge in graph.Edges)
            {
                all.Add(edge.From);
                all.Add(edge.To);
            }

            foreach (var id in all.Where(IsPlain))
            {
                Assign(id, "s_" + id);
            }

            foreach (var id in all.Where(id => !IsPlain(id)))
            {
                var plain = Plain(id);
                var candidate = plain;
                for (var n = 2; _taken.Contains(candidate) && !_ids.ContainsKey(id); n++)
                {
                    candidate = plain + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                Assign(id, candidate);
            }
        }

        public string Of(string stepId) => _ids.TryGetValue(stepId, out var id) ? id : Plain(stepId);

        private void Assign(string stepId, string id)
        {
            if (_ids.TryAdd(stepId, id))
            {
                _taken.Add(id);
            }
        }

        private static bool IsPlain(string stepId) => stepId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

        private static string Plain(string stepId)
        {
            var id = new StringBuilder("s_", stepId.Length + 2);
            foreach (var c in stepId)
            {
                id.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            }

            return id.ToString();
        }
    }

    private static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal).Replace("|", "#124;", StringComparison.Ordinal);
}
