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
    public required string Name { get; init; }

    /// <summary>SHA-256 of the canonical JSON: the version's id.</summary>
    public required string Hash { get; init; }

    public required string Description { get; init; }

    public required string Goal { get; init; }

    public required int Steps { get; init; }

    public required DateTimeOffset StoredAt { get; init; }

    /// <summary>True when this version is the one new runs of the workflow use.</summary>
    public required bool Registered { get; init; }
}

/// <summary>A workflow drawn: nodes, edges, and the same graph as Mermaid text.</summary>
public sealed record GraphView(string Name, string? InitialStep, IReadOnlyList<GraphNodeView> Nodes, IReadOnlyList<GraphEdgeView> Edges, string Mermaid);

public sealed record GraphNodeView(string Id, string Kind, string Label, string Description);

public sealed record GraphEdgeView(string From, string To, string Kind, string Label);

/// <summary>A registered worker.</summary>
public sealed record WorkerView(string WorkerType, string Name, string Description);

/// <summary>A registered workflow and the hash of the version new runs use.</summary>
public sealed record WorkflowView(string Name, string Description, string Goal, string Hash, int Steps, string? InitialStep);
