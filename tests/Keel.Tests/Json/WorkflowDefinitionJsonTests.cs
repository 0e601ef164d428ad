namespace Keel.Tests.Json;

public sealed class WorkflowDefinitionJsonTests
{
    private static string HashOf(WorkflowDefinition workflow) => WorkflowDefinitionJson.Hash(WorkflowDefinitionJson.Serialize(workflow));

    private static WorkflowDefinition Rich(Func<WorkflowStep, WorkflowStep>? change = null)
    {
        var workflow = new WorkflowDefinition("rich", "all the fields", "a goal") { MaxSteps = 17 };
        var work = new WorkflowStep("work", WorkerType.Coder, "does work", onSuccess: "ask", onFailure: "work_again", maxRetries: 2, timeout: TimeSpan.FromSeconds(90), retryDelay: TimeSpan.FromSeconds(3))
        {
            RetryBackoff = 1.5,
            MaxRetryDelay = TimeSpan.FromSeconds(40),
        };
        workflow.AddStep(change is null ? work : change(work), isInitial: true);
        workflow.AddStep(new WorkflowStep("work_again", WorkerType.Coder, onSuccess: "ask"));
        workflow.AddStep(WorkflowStep.Approval("ask", "Ship it?", onApproved: WorkflowStep.Complete, onRejected: "work"));
        return workflow;
    }

    [Fact]
    public void Serialize_RoundTrip_KeepsEveryRoutingAndTimingField()
    {
        var original = Rich();

        var json = WorkflowDefinitionJson.Serialize(original);
        var back = WorkflowDefinitionJson.Deserialize(json);

        Assert.Equal(json, WorkflowDefinitionJson.Serialize(back));
        Assert.Empty(back.Validate());
        Assert.Equal((original.Name, original.Description, original.Goal, original.InitialStep, original.MaxSteps), (back.Name, back.Description, back.Goal, back.InitialStep, back.MaxSteps));
        for (var i = 0; i < original.Steps.Count; i++)
        {
            var (a, b) = (original.Steps[i], back.Steps[i]);
            Assert.Equal(
                (a.StepId, a.WorkerType, a.Description, a.OnSuccess, a.OnFailure, a.MaxRetries, a.Timeout, a.RetryDelay, a.RetryBackoff, a.MaxRetryDelay, a.Kind, a.Prompt),
                (b.StepId, b.WorkerType, b.Description, b.OnSuccess, b.OnFailure, b.MaxRetries, b.Timeout, b.RetryDelay, b.RetryBackoff, b.MaxRetryDelay, b.Kind, b.Prompt));
        }
    }

    [Fact]
    public void Hash_SameContent_IsTheSame()
        => Assert.Equal(HashOf(Rich()), HashOf(Rich()));

    [Fact]
    public void Hash_AnyRoutingOrTimingChange_ChangesIt()
    {
        var baseline = HashOf(Rich());
        var variants = new Func<WorkflowStep, WorkflowStep>[]
        {
            s => s with { OnSuccess = "work_again" },
            s => s with { OnFailure = WorkflowStep.Failed },
            s => s with { MaxRetries = 3 },
            s => s with { Timeout = TimeSpan.FromSeconds(91) },
            s => s with { RetryDelay = TimeSpan.FromSeconds(4) },
            s => s with { RetryBackoff = 3 },
            s => s with { MaxRetryDelay = TimeSpan.FromSeconds(41) },
            s => s with { WorkerType = WorkerType.Tester },
        };

        var hashes = variants.Select(v => HashOf(Rich(v))).ToList();

        Assert.DoesNotContain(baseline, hashes);
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void Serialize_UsesSnakeCaseAndOmitsDefaults()
    {
        var json = WorkflowDefinitionJson.Serialize(Workflows.CreateGenericPipeline([("only", WorkerType.Coder, "")]));

        Assert.Contains("\"initial_step\":\"only\"", json, StringComparison.Ordinal);
        Assert.Contains("\"on_success\":\"complete\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("max_retries", json, StringComparison.Ordinal);
        Assert.DoesNotContain("max_retry_delay", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Keel.", json, StringComparison.Ordinal);
    }
}
