namespace Keel.Server.Definitions;

/// <summary>A definition to validate and store: its text in Keel's workflow format.</summary>
public sealed record DefinitionRequest
{
    /// <summary>The definition's text (YAML or JSON).</summary>
    public string? Content { get; init; }

    /// <summary><c>yaml</c> or <c>json</c>; guessed from the content when not set.</summary>
    public string? Format { get; init; }
}

/// <summary>A stored definition version.</summary>
public sealed record DefinitionView
{
    /// <summary>The workflow's name.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the canonical JSON: the version's id.</summary>
    public required string Hash { get; init; }

    /// <summary>What the workflow does.</summary>
    public required string Description { get; init; }

    /// <summary>The workflow's default goal.</summary>
    public required string Goal { get; init; }

    /// <summary>How many steps the definition has.</summary>
    public required int Steps { get; init; }

    /// <summary>When this version was stored (the store's clock).</summary>
    public required DateTimeOffset StoredAt { get; init; }

    /// <summary>True when this version is the one new runs of the workflow use.</summary>
    public required bool Registered { get; init; }
}

/// <summary>A workflow drawn: nodes, edges, and the same graph as Mermaid text.</summary>
public sealed record GraphView(string Name, string? InitialStep, IReadOnlyList<GraphNodeView> Nodes, IReadOnlyList<GraphEdgeView> Edges, string Mermaid);

/// <summary>A node of a drawn workflow.</summary>
/// <param name="Id">The step id or terminal target.</param>
/// <param name="Kind">What the node is: a <see cref="GraphNodeKind"/> in lower case (<c>step</c>, <c>approval</c>, <c>terminal</c>, <c>parallel</c>, ...).</param>
/// <param name="Label">The text drawn in the node.</param>
/// <param name="Description">The step's description (empty for terminals).</param>
public sealed record GraphNodeView(string Id, string Kind, string Label, string Description);

/// <summary>An edge of a drawn workflow.</summary>
/// <param name="From">The node the route leaves.</param>
/// <param name="To">The node it reaches.</param>
/// <param name="Kind">The route: a <see cref="GraphEdgeKind"/> in lower case (<c>success</c>, <c>failure</c>, <c>retry</c>, <c>label</c>, <c>branch</c>).</param>
/// <param name="Label">The text drawn on the edge.</param>
public sealed record GraphEdgeView(string From, string To, string Kind, string Label);

/// <summary>A registered worker.</summary>
public sealed record WorkerView(string WorkerType, string Name, string Description);

/// <summary>A registered workflow and the hash of the version new runs use.</summary>
public sealed record WorkflowView(string Name, string Description, string Goal, string Hash, int Steps, string? InitialStep);
