namespace Keel.Testing;

/// <summary>Step-only forks: one recorded attempt run again in a new run, which ends after it.</summary>
public abstract partial class RunStoreConformanceTests
{
    [Fact]
    public async Task ForkAsync_StepOnly_RunsThatOneAttemptAndEndsCompleted()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        process.Coder.OnCall = (_, _) => "code again";

        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true, Data = new Dictionary<string, object?> { ["tone"] = "formal" } }, CancellationToken.None);

        Assert.Equal(WorkflowState.Completed, rerun.State);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Equal(1, process.Reviewer.CallCount);
        Assert.Equal(["create_specs", "implement_code"], rerun.History.Select(e => e.StepId));
        Assert.Equal("code again", rerun.History[1].Output.GetString());
        Assert.Equal(WorkflowStep.Complete, rerun.History[1].NextStep);
        Assert.Equal("formal", rerun.Data["tone"].GetString());
        var record = await process.Orchestrator.GetRunAsync(rerun.RunId);
        Assert.Equal((original.RunId, 1), (record.ParentRunId, record.ParentSequence));
    }

    [Fact]
    public async Task ForkAsync_StepOnlyAttemptFails_RunFailsWithoutRetryOrFailurePath()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        process.Coder.OnCall = (_, _) => throw new InvalidOperationException("compiler broke");

        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true }, CancellationToken.None);

        Assert.Equal(WorkflowState.Failed, rerun.State);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Contains("compiler broke", rerun.Error, StringComparison.Ordinal);
        Assert.Contains("implement_code", rerun.Error, StringComparison.Ordinal);
        Assert.Equal(2, rerun.History.Count);
    }

    [Fact]
    public async Task ForkAsync_OfAStepOnlyFork_ContinuesAlongTheDefinition()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true }, CancellationToken.None);

        var fork = await process.Orchestrator.ForkAsync(rerun.RunId, 1);

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], fork.History.Select(e => e.StepId));
    }

    [Fact]
    public async Task StartForkAsync_StepOnly_StoredPendingThenDrivenByAnotherProcessAndStopsAfterTheStep()
    {
        var owner = Process("a");
        var original = await owner.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        var worker = Process("b");

        var handle = await owner.Orchestrator.StartForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true, RunId = "rerun-1" });

        Assert.Equal("rerun-1", handle.RunId);
        Assert.Equal(WorkflowState.Pending, (await owner.Orchestrator.GetRunAsync("rerun-1")).State);
        var result = Assert.Single(await worker.Orchestrator.RecoverAsync());
        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, worker.Coder.CallCount);
        Assert.Equal(0, worker.Reviewer.CallCount);
        Assert.Equal(2, result.History.Count);
    }

    [Fact]
    public async Task ForkAsync_StepOnlyAtAnApprovalStep_IsRefusedNamingTheStep()
    {
        var workflow = new WorkflowDefinition("gated", "d", "g");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder, "w", onSuccess: "sign_off"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign_off", "ok?", onApproved: "complete", onRejected: "failed"));
        var process = Process("p", workflow);
        var run = await process.Orchestrator.ExecuteWorkflowAsync("gated", "g");
        await process.Orchestrator.ApproveAsync(run.RunId, "sign_off", "ada");

        var error = await Assert.ThrowsAsync<KeelException>(() => process.Orchestrator.ForkAsync(run.RunId, 1, new ForkOptions { StepOnly = true }, CancellationToken.None));

        Assert.Contains("sign_off", error.Message, StringComparison.Ordinal);
        Assert.Contains("approval", error.Message, StringComparison.Ordinal);
    }
}
