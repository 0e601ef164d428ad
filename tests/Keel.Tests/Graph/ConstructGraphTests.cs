namespace Keel.Tests.Graph;

public sealed class ConstructGraphTests
{
    [Fact]
    public void Mermaid_LabelsParallelGroupAndJoin_AreDrawn()
    {
        var text = MermaidFormatter.Format(WorkflowGraph.From(Workflows.CreateCodeReviewWorkflow()));

        Assert.Contains("subgraph s_review_change_branches [\"review_change branches\"]", text, StringComparison.Ordinal);
        Assert.Contains("s_review_change -->|security| s_review_change_security", text, StringComparison.Ordinal);
        Assert.Contains("s_review_change_security --> s_review_change_join", text, StringComparison.Ordinal);
        Assert.Contains("s_review_change_join -.->|failure| s_implement_change", text, StringComparison.Ordinal);
        Assert.Contains("s_review_change_join[\\\"join all\"/]", text, StringComparison.Ordinal);

        var labels = MermaidFormatter.Format(WorkflowGraph.From(Workflows.CreateBuildWebsiteWorkflow()));
        Assert.Contains("s_review_code -->|request_changes| s_implement_code", labels, StringComparison.Ordinal);
        Assert.Contains("s_review_code -->|approve| s_complete", labels, StringComparison.Ordinal);
    }

    [Fact]
    public void Mermaid_StepIdsThatDifferOnlyInPunctuation_GetANodeEach()
    {
        var workflow = new WorkflowDefinition("punctuation");
        workflow.AddStep(new WorkflowStep("a-b", "coder", onSuccess: "a_b"), isInitial: true);
        workflow.AddStep(new WorkflowStep("a_b", "reviewer", onSuccess: "a.b"));
        workflow.AddStep(new WorkflowStep("a.b", "coder", onSuccess: "a_b_2"));
        workflow.AddStep(new WorkflowStep("a_b_2", "coder"));

        var text = MermaidFormatter.Format(WorkflowGraph.From(workflow));

        // Plain ids keep their names; the others take the first free suffix, so no edge loops back on itself.
        Assert.Contains("s_a_b_3 -->|success| s_a_b\n", text, StringComparison.Ordinal);
        Assert.Contains("s_a_b -->|success| s_a_b_4\n", text, StringComparison.Ordinal);
        Assert.Contains("s_a_b_4 -->|success| s_a_b_2\n", text, StringComparison.Ordinal);
        Assert.Contains("s_a_b_3[\"a-b<br/>coder\"]", text, StringComparison.Ordinal);
        Assert.Contains("_start((start)) --> s_a_b_3\n", text, StringComparison.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.Contains("-->", StringComparison.Ordinal)))
        {
            var parts = line.Trim().Split(' ');
            Assert.NotEqual(parts[0], parts[^1]);
        }
    }

    [Fact]
    public void Dot_MapAndParallel_AreDrawn()
    {
        var workflow = new WorkflowDefinition("pages");
        workflow.AddStep(WorkflowStep.Map("write", WorkerType.Coder, 10, "pages"), isInitial: true);

        var map = DotFormatter.Format(WorkflowGraph.From(workflow));
        var parallel = DotFormatter.Format(WorkflowGraph.From(Workflows.CreateCodeReviewWorkflow()));

        Assert.Contains("\"write\" [shape=box3d, label=\"write\\nmap: coder per item (at most 10)\"];", map, StringComparison.Ordinal);
        Assert.Contains("subgraph \"cluster_review_change\"", parallel, StringComparison.Ordinal);
        Assert.Contains("\"review_change/join\" -> \"complete\"", parallel, StringComparison.Ordinal);
    }
}
