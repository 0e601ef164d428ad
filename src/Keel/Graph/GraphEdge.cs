namespace Keel;

/// <summary>A transition of a <see cref="WorkflowGraph"/>.</summary>
/// <param name="From">The step the transition leaves.</param>
/// <param name="To">The step or terminal it leads to (the same step for a retry).</param>
/// <param name="Kind">Success, failure (retries spent) or retry.</param>
/// <param name="Label">What a drawing writes on the edge.</param>
public sealed record GraphEdge(string From, string To, GraphEdgeKind Kind, string Label);

/// <summary>Which outcome a <see cref="GraphEdge"/> follows.</summary>
public enum GraphEdgeKind
{
    /// <summary>on_success (approved, for an approval step).</summary>
    Success,
    /// <summary>on_failure once the retries are spent (rejected, for an approval step); <c>failed</c> when not set.</summary>
    Failure,
    /// <summary>A failed attempt run again (max_retries above 0).</summary>
    Retry,
    /// <summary>A successful attempt routed by an outcome label (the edge's label is the label).</summary>
    Label,
    /// <summary>A parallel step's fork to a branch, or a branch to its join.</summary>
    Branch,
}
