namespace Keel.Cli.Tests;

public sealed class GraphCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static string BuildWebsite => Path.Combine(KeelProcess.Examples, "build-website.yaml");

    [Fact]
    public async Task Graph_Mermaid_DrawsSuccessSolidAndFailureDotted()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "graph", BuildWebsite, "--format", "mermaid");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("flowchart TD", result.Out, StringComparison.Ordinal);
        Assert.Contains("s_create_specs -->|success| s_implement_code", result.Out, StringComparison.Ordinal);
        Assert.Contains("s_review_code -.->|failure| s_implement_code", result.Out, StringComparison.Ordinal);
        Assert.Contains("s_implement_code -.->|retry x2| s_implement_code", result.Out, StringComparison.Ordinal);
        Assert.Contains("s_complete([complete])", result.Out, StringComparison.Ordinal);
        Assert.Contains("linkStyle", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_Dot_DrawsSuccessSolidAndFailureDashed()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "graph", BuildWebsite, "--format", "dot");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("digraph \"build_website\" {", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"review_code\" -> \"implement_code\" [label=\"failure\", color=\"#c62828\", style=dashed];", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"implement_code\" -> \"review_code\" [label=\"success\", color=\"#2e7d32\", style=solid];", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"review_code\" -> \"complete\" [label=\"approve\", color=\"#1565c0\", style=solid];", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"review_code\" -> \"implement_code\" [label=\"request_changes\", color=\"#1565c0\", style=solid];", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"complete\" [shape=doublecircle", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("}\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_UnknownFormat_ExitsTwo()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "graph", BuildWebsite, "--format", "svg");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("svg", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkflowGraph_ApprovalStep_HasApprovedAndRejectedEdges()
    {
        var definition = new WorkflowDefinition("release")
            .AddStep(new WorkflowStep("draft", "writer", onSuccess: "sign_off", maxRetries: 1), isInitial: true)
            .AddStep(WorkflowStep.Approval("sign_off", "Ready?", onApproved: WorkflowStep.Complete, onRejected: "draft"));

        var graph = WorkflowGraph.From(definition);

        Assert.Equal(["draft", "sign_off", "complete", "failed"], graph.Nodes.Select(n => n.Id));
        Assert.Contains(new GraphEdge("draft", "draft", GraphEdgeKind.Retry, "retry x1"), graph.Edges);
        Assert.Contains(new GraphEdge("sign_off", "complete", GraphEdgeKind.Success, "approved"), graph.Edges);
        Assert.Contains(new GraphEdge("sign_off", "draft", GraphEdgeKind.Failure, "rejected"), graph.Edges);
        Assert.Equal(GraphNodeKind.Approval, graph.Nodes[1].Kind);
        Assert.Equal(["complete", "failed"], graph.Terminals.Select(t => t.Id));
    }

    public void Dispose() => _folder.Dispose();
}
