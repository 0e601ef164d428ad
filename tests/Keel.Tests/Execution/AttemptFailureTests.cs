using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class AttemptFailureTests
{
    private static (Orchestrator Orchestrator, FakeWorker Next) Setup(FakeWorker worker, IRunStore? store = null)
    {
        var workflow = new WorkflowDefinition("failure_probe");
        workflow.AddStep(new WorkflowStep("work", worker.WorkerType, onSuccess: "next", onFailure: "recover"), isInitial: true);
        workflow.AddStep(new WorkflowStep("next", "next_type"));
        workflow.AddStep(new WorkflowStep("recover", "recover_type"));
        var next = new FakeWorker("next_type");
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(worker, next, new FakeWorker("recover_type"));
        orchestrator.RegisterWorkflow(workflow);
        return (orchestrator, next);
    }

    private static async Task<HistoryEntry> RunOnce(FakeWorker worker)
    {
        var (orchestrator, next) = Setup(worker);
        var result = await orchestrator.ExecuteWorkflowAsync("failure_probe", "g");
        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(0, next.CallCount);
        Assert.Equal("recover", result.History[0].NextStep);
        return result.History[0];
    }

    [Fact]
    public async Task Execute_InputTransformerThrows_IsAFailedAttempt()
    {
        var worker = new FakeWorker("probe") { InputTransformer = _ => throw new FormatException("bad spec") };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.Failed, entry.Outcome);
        Assert.Contains("input transformer", entry.Error, StringComparison.Ordinal);
        Assert.Contains("bad spec", entry.Error, StringComparison.Ordinal);
        Assert.Equal(0, worker.CallCount);
    }

    [Fact]
    public async Task Execute_StepInputTransformerThrows_IsAFailedAttempt()
    {
        var worker = new FakeWorker("probe");
        var workflow = new WorkflowDefinition("step_transformer");
        workflow.AddStep(new WorkflowStep("work", "probe", onFailure: "failed") { InputTransformer = _ => throw new InvalidOperationException("step side") }, isInitial: true);
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(worker);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("step_transformer", "g");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("step side", result.History[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ExecutorThrows_IsAFailedAttemptNamingTheException()
    {
        var worker = new FakeWorker("probe") { OnCall = (_, _) => throw new TimeZoneNotFoundException("nowhere") };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.Failed, entry.Outcome);
        Assert.Equal("TimeZoneNotFoundException: nowhere", entry.Error);
        Assert.Equal("g", entry.Input.GetString());
    }

    [Fact]
    public async Task Execute_AsyncExecutorFaults_IsAFailedAttempt()
    {
        var worker = new FakeWorker("probe") { OnCallAsync = async (_, _, _) => { await Task.Yield(); throw new IOException("pipe"); } };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.Failed, entry.Outcome);
        Assert.Contains("pipe", entry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_OutputTransformerThrows_IsAFailedAttempt()
    {
        var worker = new FakeWorker("probe") { OutputTransformer = (_, _) => throw new ArgumentException("cannot shape") };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.Failed, entry.Outcome);
        Assert.Contains("output transformer", entry.Error, StringComparison.Ordinal);
        Assert.Equal(1, worker.CallCount);
    }

    [Fact]
    public async Task Execute_OutputValidatorRejects_IsInvalidOutputWithTheOutputRecorded()
    {
        var worker = new FakeWorker("probe")
        {
            OnCall = (_, _) => new { html = "" },
            OutputValidator = (output, _) => output.GetProperty("html").GetString()!.Length == 0 ? "html is empty" : null,
        };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Equal("html is empty", entry.Error);
        Assert.Equal("", entry.Output.GetProperty("html").GetString());
    }

    [Fact]
    public async Task Execute_OutputValidatorThrows_IsInvalidOutput()
    {
        var worker = new FakeWorker("probe") { OutputValidator = (_, _) => throw new KeyNotFoundException("no field") };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Contains("no field", entry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ExecutorThrowsInvalidWorkerOutput_IsInvalidOutput()
    {
        var worker = new FakeWorker("probe") { OnCall = (_, _) => throw new InvalidWorkerOutputException("not JSON the schema accepts") };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Equal("not JSON the schema accepts", entry.Error);
    }

    [Fact]
    public async Task Execute_OutputCannotBeSerialised_IsInvalidOutput()
    {
        var worker = new FakeWorker("probe") { OnCall = (_, _) => new { callback = (Action)(() => { }) } };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Contains("cannot be recorded as JSON", entry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_OutputWithACycle_IsInvalidOutput()
    {
        var worker = new FakeWorker("probe")
        {
            OnCall = (_, _) =>
            {
                var node = new Node();
                node.Next = node;
                return node;
            },
        };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public async Task Execute_OutputIsANumberJsonCannotHold_IsInvalidOutput(double value)
    {
        var worker = new FakeWorker("probe") { OnCall = (_, _) => new { score = value } };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Contains("cannot be recorded as JSON", entry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_OutputWithAGetterThatThrows_IsInvalidOutputNamingTheException()
    {
        var worker = new FakeWorker("probe") { OnCall = (_, _) => new ThrowingGetter() };

        var entry = await RunOnce(worker);

        Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome);
        Assert.Contains("InvalidCastException: getter failed", entry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_OutputTransformerReturnsNaN_IsRetriedThenRecordedOnTheStore()
    {
        var store = new InMemoryRunStore();
        var worker = new FakeWorker("probe") { OutputTransformer = (_, _) => double.NaN };
        var workflow = new WorkflowDefinition("nan_probe");
        workflow.AddStep(new WorkflowStep("work", "probe", maxRetries: 1), isInitial: true);
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(worker);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("nan_probe", "g");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(2, worker.CallCount);
        Assert.All(result.History, entry => Assert.Equal(AttemptOutcome.InvalidOutput, entry.Outcome));
        var stored = await store.GetRunAsync(result.WorkflowId, CancellationToken.None);
        Assert.Equal(WorkflowState.Failed, stored!.State);
        Assert.Equal(2, stored.HistoryCount);
    }

    [Fact]
    public async Task Execute_WorkerTypeWithoutWorker_IsRefusedBeforeTheRunStartsAndNothingIsRecorded()
    {
        var store = new InMemoryRunStore();
        var (pm, coder, _) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(pm, coder);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var error = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("build_website", "g"));

        Assert.Contains("'reviewer'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'review_code'", error.Message, StringComparison.Ordinal);
        Assert.Contains("build_website", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, pm.CallCount);
        Assert.Empty(await store.ListRunsAsync(new RunQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Execute_WorkerRegisteredAfterWorkflow_IsUsed()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("build_website", "g"));

        orchestrator.With(reviewer);
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.Equal(WorkflowState.Completed, result.State);
    }

    private sealed class ThrowingGetter
    {
        public int Value => throw new InvalidCastException("getter failed");
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }
}
