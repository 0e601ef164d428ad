namespace Keel;

/// <summary>A node of a <see cref="WorkflowGraph"/>: a step, an approval step, a terminal, or a target no step has.</summary>
/// <param name="Id">The step id, or <c>complete</c> / <c>failed</c>.</param>
/// <param name="Kind">What the node is.</param>
/// <param name="Label">The worker type of a step, <c>approval</c>, or the terminal's name.</param>
/// <param name="Description">The step's description (empty for terminals).</param>
public sealed record GraphNode(string Id, GraphNodeKind Kind, string Label, string Description);

/// <summary>What a <see cref="GraphNode"/> stands for.</summary>
public enum GraphNodeKind
{
    /// <summary>A step that runs a worker.</summary>
    Step,
    /// <summary>An approval step that waits for a person's decision.</summary>
    Approval,
    /// <summary>A terminal target: <c>complete</c> or <c>failed</c>.</summary>
    Terminal,
    /// <summary>A transition target that names no step (only in an invalid definition).</summary>
    Unknown,
    /// <summary>A parallel step where its branches fork (its id is the step's).</summary>
    Parallel,
    /// <summary>A branch of a parallel step (id <c>{step}/{branch}</c>).</summary>
    Branch,
    /// <summary>The join of a parallel step (id <c>{step}/join</c>): its outcome edges leave from here.</summary>
    Join,
    /// <summary>A map step: one attempt of its worker per item of a run-time list.</summary>
    Map,
}
