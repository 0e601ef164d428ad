namespace Keel.Workflows.Tests;

/// <summary>A step is of one kind, and a parallel step's branches are held to a step's bounds, each problem on its own line.</summary>
public sealed class StepKindFileTests
{
    [Fact]
    public void Read_MapOnAParallelStep_IsAProblemAtTheMap_NotIgnored()
    {
        var result = WorkflowDocument.Parse("""
            name: bad
            steps:
              - id: a
                map: { items_from: x, max_items: 5 }
                parallel:
                  - { name: b1, worker: coder }
            """, sourceName: "bad.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(4, problem.Line);
        Assert.Contains("step 'a' is a parallel step: 'map' runs one worker over the items of a list", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MapOnASubWorkflowStep_IsOneProblemAtTheMap_InTheFilesTerms()
    {
        var result = WorkflowDocument.Parse("""
            name: bad
            steps:
              - id: s
                sub_workflow: child
                map: { max_items: 3 }
            """, sourceName: "bad.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(5, problem.Line);
        Assert.Contains("step 's' is a sub-workflow step: 'map'", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("WorkflowStep.", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AnApprovalThatIsAlsoParallel_IsAProblem_NotOneKindSilentlyTaken()
    {
        var result = WorkflowDocument.Parse("""
            name: bad
            steps:
              - id: gate
                approval: Ship it?
                parallel:
                  - { name: b1, worker: coder }
            """, sourceName: "bad.yaml");

        Assert.Contains(result.Problems, p => p.Line == 6 && p.Message.Contains("step 'gate' has both 'approval' and 'parallel'", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_BranchesPastAStepsBounds_AreRefused_EachAtItsOwnLine()
    {
        var result = WorkflowDocument.Parse("""
            name: bounds
            steps:
              - id: p
                parallel:
                  - name: b
                    worker: coder
                    max_retries: 150
                    timeout: 30d
                  - name: c
                    worker: coder
                    retry_delay: 5d
                  - name: d
                    worker: coder
                    timeout: -1s
            """, sourceName: "bounds.yaml");

        Assert.Equal(
            [
                (7, "'parallel[0].max_retries': must be at most 100, got 150"),
                (8, "'parallel[0].timeout': must be at most 7 d, got 30 d"),
                (11, "'parallel[1].retry_delay': must be at most 1 d, got 5 d"),
                (14, "'parallel[2].timeout': must be positive, got -1 s"),
            ],
            result.Problems.Select(p => (p.Line, p.Message[p.Message.IndexOf('\'', p.Message.IndexOf("field", StringComparison.Ordinal))..])));
    }
}
