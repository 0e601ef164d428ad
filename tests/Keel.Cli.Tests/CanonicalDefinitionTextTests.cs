namespace Keel.Cli.Tests;

/// <summary>
/// The canonical definition text is written by hand; every example workflow (labels, loops, approvals,
/// parallel branches, maps, sub-workflows, declarative inputs) and the example-built definitions must
/// come out byte for byte as the serializer writes the same document, so no run's definition hash moves.
/// </summary>
public sealed class CanonicalDefinitionTextTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(KeelProcess.Examples, "*.yaml").Concat(Directory.GetFiles(KeelProcess.Examples, "*.json")).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetFileName(file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Serialize_IsWhatTheSerializerWrites_ForEveryExampleWorkflow(string file)
    {
        var results = WorkflowDocument.LoadWithSubWorkflows(Path.Combine(KeelProcess.Examples, file));

        Assert.NotEmpty(results);
        foreach (var result in results)
        {
            Assert.True(result.IsValid, string.Join("; ", result.Problems));
            var definition = result.File!.Definition;
            Assert.Equal(WorkflowDefinitionJson.SerializeWithSerializer(definition), WorkflowDefinitionJson.Serialize(definition));
        }
    }

    [Fact]
    public void Serialize_IsWhatTheSerializerWrites_ForEveryConstructAndEscape()
    {
        var workflow = new WorkflowDefinition("all \"constructs\" é <tag>", string.Empty, "goal & more") { MaxSteps = 40 };
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer, "reads\nlines", onSuccess: "fan", onFailure: "failed", maxRetries: 3, timeout: TimeSpan.FromMilliseconds(1500.25), retryDelay: TimeSpan.FromSeconds(0.1))
        {
            RetryBackoff = 2.5,
            MaxRetryDelay = TimeSpan.FromSeconds(7),
            OnLabel = new Dictionary<string, string> { ["z"] = "fan", ["a b"] = "failed" },
            LabelFrom = LabelReader.Field("verdict"),
            Input = new Dictionary<string, string> { ["spec"] = "steps.spec.output", ["goal"] = "goal" },
        }, isInitial: true);
        workflow.AddStep(WorkflowStep.Parallel("fan", [new Branch("one", "coder", MaxRetries: 2), new Branch("two", "tester")], "each", "failed", JoinMode.Any));
        workflow.AddStep(WorkflowStep.Map("each", "coder", maxItems: 9, itemsFrom: "items", onSuccess: "child", onFailure: "failed", maxRetries: 1, maxParallel: 3));
        workflow.AddStep(WorkflowStep.Child("child", "other", "ask", "failed", 2));
        workflow.AddStep(WorkflowStep.Approval("ask", "Ship it?", onApproved: WorkflowStep.Complete, onRejected: "review"));

        Assert.Equal(WorkflowDefinitionJson.SerializeWithSerializer(workflow), WorkflowDefinitionJson.Serialize(workflow));
    }
}
