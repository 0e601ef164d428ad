namespace Keel;

/// <summary>
/// A read-only description of a workflow's state machine: its steps and terminals as nodes, its
/// transitions as edges. Formatters (<see cref="MermaidFormatter"/>, <see cref="DotFormatter"/>) draw
/// from it, so every drawing of a workflow shows the same machine.
/// </summary>
public sealed class WorkflowGraph
{
    private WorkflowGraph(string name, string? initialStep, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        Name = name;
        InitialStep = initialStep;
        Nodes = nodes;
        Edges = edges;
    }

    /// <summary>The name of the workflow the graph describes.</summary>
    public string Name { get; }

    /// <summary>The step runs start at (null when the definition names none).</summary>
    public string? InitialStep { get; }

    /// <summary>The steps in definition order, then the terminals some edge leads to.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>For each step: its success edge, its failure edge, and a retry edge when it may retry.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>The terminal nodes (<c>complete</c>, <c>failed</c>) an edge leads to.</summary>
    public IEnumerable<GraphNode> Terminals => Nodes.Where(n => n.Kind == GraphNodeKind.Terminal);

    /// <summary>Describes <paramref name="workflow"/> as it is (it need not be valid: unknown targets become nodes too).</summary>
    public static WorkflowGraph From(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var nodes = new List<GraphNode>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in workflow.Steps)
        {
            if (known.Add(step.StepId))
            {
                var kind = step.Kind switch
                {
                    StepKind.Approval => GraphNodeKind.Approval,
                    StepKind.Parallel => GraphNodeKind.Parallel,
                    StepKind.Map => GraphNodeKind.Map,
                    StepKind.SubWorkflow => GraphNodeKind.SubWorkflow,
                    _ => GraphNodeKind.Step,
                };
                var label = step.Kind switch
                {
                    StepKind.Approval => "approval",
                    StepKind.Parallel => "parallel" + (step.MaxParallel is { } most ? $", {most} at once" : string.Empty),
                    StepKind.Map => $"map: {step.WorkerType.Value} per item (at most {step.MapMaxItems})",
                    StepKind.SubWorkflow => $"workflow: {step.SubWorkflow}",
                    _ => step.WorkerType.Value,
                };
                nodes.Add(new GraphNode(step.StepId, kind, label, step.Description));
                if (step.Kind == StepKind.Parallel)
                {
                    foreach (var branch in step.Branches ?? [])
                    {
                        nodes.Add(new GraphNode(FanOutUnit.IdOf(step.StepId, branch.Name), GraphNodeKind.Branch, branch.WorkerType.Value, branch.Name));
                    }

                    nodes.Add(new GraphNode(step.StepId + "/join", GraphNodeKind.Join, "join " + StableNames.Of(step.Join), string.Empty));
                }
            }
        }

        var edges = new List<GraphEdge>();
        var targets = new List<string>();
        foreach (var step in workflow.Steps)
        {
            if (step.MaxRetries > 0)
            {
                edges.Add(new GraphEdge(step.StepId, step.StepId, GraphEdgeKind.Retry, $"retry x{step.MaxRetries}"));
            }

            var approval = step.Kind == StepKind.Approval;
            var from = step.StepId;
            if (step.Kind == StepKind.Parallel)
            {
                from = step.StepId + "/join";
                foreach (var branch in step.Branches ?? [])
                {
                    var id = step.StepId + "/" + branch.Name;
                    edges.Add(new GraphEdge(step.StepId, id, GraphEdgeKind.Branch, branch.Name));
                    if (branch.MaxRetries > 0)
                    {
                        edges.Add(new GraphEdge(id, id, GraphEdgeKind.Retry, $"retry x{branch.MaxRetries}"));
                    }

                    edges.Add(new GraphEdge(id, from, GraphEdgeKind.Branch, string.Empty));
                }
            }

            if (step.OnLabel is { Count: > 0 } labels)
            {
                foreach (var (label, target) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                {
                    edges.Add(new GraphEdge(from, target, GraphEdgeKind.Label, label));
                    targets.Add(target);
                }
            }
            else
            {
                edges.Add(new GraphEdge(from, step.OnSuccess, GraphEdgeKind.Success, approval ? "approved" : "success"));
                targets.Add(step.OnSuccess);
            }

            var onFailure = step.OnFailure ?? WorkflowStep.Failed;
            edges.Add(new GraphEdge(from, onFailure, GraphEdgeKind.Failure, approval ? "rejected" : "failure"));
            targets.Add(onFailure);
        }

        foreach (var terminal in new[] { WorkflowStep.Complete, WorkflowStep.Failed })
        {
            if (targets.Contains(terminal, StringComparer.Ordinal) && known.Add(terminal))
            {
                nodes.Add(new GraphNode(terminal, GraphNodeKind.Terminal, terminal, string.Empty));
            }
        }

        foreach (var target in targets)
        {
            if (known.Add(target))
            {
                nodes.Add(new GraphNode(target, GraphNodeKind.Unknown, "unknown step", string.Empty));
            }
        }

        return new WorkflowGraph(workflow.Name, workflow.InitialStep, nodes, edges);
    }
}
