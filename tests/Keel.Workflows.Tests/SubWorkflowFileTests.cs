namespace Keel.Workflows.Tests;

/// <summary>Sub-workflow steps in workflow files.</summary>
public sealed class SubWorkflowFileTests
{
    private const string Release = """
        name: release
        steps:
          - id: plan
            worker: product_manager
            on_success: build
          - id: build
            sub_workflow: checked-build
            max_retries: 1
            timeout: 2m
            on_failure: plan
        """;

    [Fact]
    public void Read_SubWorkflowStep_WritesBackTheSame()
    {
        var file = WorkflowDocument.Parse(Release).EnsureValid();

        var step = file.Definition.GetStep("build")!;
        Assert.Equal((StepKind.SubWorkflow, "checked-build", 1, "plan"), (step.Kind, step.SubWorkflow, step.MaxRetries, step.OnFailure));
        Assert.Equal(WorkerType.Workflow, step.WorkerType);
        var yaml = WorkflowDocument.Write(file.Definition);
        Assert.Contains("sub_workflow: checked-build", yaml, StringComparison.Ordinal);
        var again = WorkflowDocument.Parse(yaml).EnsureValid();
        Assert.Equal(WorkflowDefinitionJson.Serialize(file.Definition), WorkflowDefinitionJson.Serialize(again.Definition));
        var json = WorkflowDocument.Parse(WorkflowDocument.Write(file.Definition, format: WorkflowFormat.Json)).EnsureValid();
        Assert.Equal(WorkflowDefinitionJson.Serialize(file.Definition), WorkflowDefinitionJson.Serialize(json.Definition));
    }

    [Fact]
    public void Read_SubWorkflowWithAWorker_IsAProblemAtTheWorkerField()
    {
        var result = WorkflowDocument.Parse("""
            name: bad
            steps:
              - id: build
                worker: make
                sub_workflow: checked-build
            """, sourceName: "bad.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal((4, 13), (problem.Line, problem.Column));
        Assert.Contains("step 'build' is a sub-workflow step", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SubWorkflowIncludingItself_IsAProblemNamingStepAndField()
    {
        var result = WorkflowDocument.Parse("""
            name: loop
            steps:
              - id: again
                sub_workflow: loop
            """, sourceName: "loop.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(4, problem.Line);
        Assert.Contains("step 'again', field 'sub_workflow': the workflow includes itself", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadWithSubWorkflows_LoadsTheChildFileBesideIt_ChildFirst()
    {
        var results = WorkflowDocument.LoadWithSubWorkflows(Path.Combine(Repository.Examples, "release.yaml"));

        Assert.Equal(["checked-build", "release"], results.Select(r => r.EnsureValid().Definition.Name));
    }
}
