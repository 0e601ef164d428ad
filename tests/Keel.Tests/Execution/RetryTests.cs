using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class RetryTests
{
    private static WorkflowDefinition SingleStep(int maxRetries, string? onFailure, TimeSpan? retryDelay = null, double backoff = 2.0)
    {
        var workflow = new WorkflowDefinition("retry_probe");
        workflow.AddStep(new WorkflowStep("flaky", "flaky_type", onSuccess: "after", onFailure: onFailure, maxRetries: maxRetries, retryDelay: retryDelay) { RetryBackoff = backoff }, isInitial: true);
        workflow.AddStep(new WorkflowStep("after", "after_type", onSuccess: WorkflowStep.Complete));
        if (onFailure == "fallback")
        {
            workflow.AddStep(new WorkflowStep("fallback", "fallback_type", onSuccess: WorkflowStep.Complete));
        }

        return workflow;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Execute_AlwaysFailingStep_MakesMaxRetriesPlusOneAttemptsThenFollowsOnFailure(int maxRetries)
    {
        var flaky = new FakeWorker("flaky_type") { OnCall = (_, _) => Hub.Fail("boom") };
        var after = new FakeWorker("after_type");
        var fallback = new FakeWorker("fallback_type");
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(flaky, after, fallback);
        orchestrator.RegisterWorkflow(SingleStep(maxRetries, onFailure: "fallback"));

        var result = await orchestrator.ExecuteWorkflowAsync("retry_probe", "goal");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(Enumerable.Range(1, maxRetries + 1), flaky.Calls.Select(c => c.Attempt));
        Assert.All(flaky.Calls, c => Assert.Equal(1, c.Visit));
        var attempts = result.History.Where(e => e.StepId == "flaky").ToList();
        Assert.Equal(Enumerable.Range(1, maxRetries + 1), attempts.Select(e => e.Attempt));
        Assert.All(attempts, e => Assert.Equal(AttemptOutcome.Failed, e.Outcome));
        Assert.All(attempts.SkipLast(1), e => Assert.Equal("flaky", e.NextStep));
        Assert.Equal("fallback", attempts[^1].NextStep);
        Assert.Equal(0, after.CallCount);
        Assert.Equal(1, fallback.CallCount);
        Assert.Equal(["flaky", "fallback"], result.Path);
    }

    [Fact]
    public async Task Execute_StepSucceedsOnLastRetry_FollowsOnSuccess()
    {
        var flaky = new FakeWorker("flaky_type") { OnCall = (call, _) => call.Attempt < 3 ? Hub.Fail("not yet") : "done" };
        var after = new FakeWorker("after_type");
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(flaky, after, new FakeWorker("fallback_type"));
        orchestrator.RegisterWorkflow(SingleStep(2, onFailure: "fallback"));

        var result = await orchestrator.ExecuteWorkflowAsync("retry_probe", "goal");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Failed, AttemptOutcome.Succeeded, AttemptOutcome.Succeeded], result.History.Select(e => e.Outcome));
        Assert.Equal("after", result.History[2].NextStep);
        Assert.Equal("done", after.Calls.Single().Input.GetString());
    }

    [Fact]
    public async Task Execute_RetryAttempt_SeesPreviousOutcomeAndError()
    {
        var flaky = new FakeWorker("flaky_type") { OnCall = (call, _) => call.Attempt == 1 ? Hub.Fail("first try broke") : "ok" };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(flaky, new FakeWorker("after_type"));
        orchestrator.RegisterWorkflow(SingleStep(1, onFailure: null));

        await orchestrator.ExecuteWorkflowAsync("retry_probe", "goal");

        Assert.Null(flaky.Calls[0].PreviousOutcome);
        Assert.Equal(AttemptOutcome.Failed, flaky.Calls[1].PreviousOutcome);
        Assert.Contains("first try broke", flaky.Calls[1].PreviousError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_StepWithoutOnFailure_FailsTheRunNamingTheStep()
    {
        var flaky = new FakeWorker("flaky_type") { OnCall = (_, _) => Hub.Fail("disk on fire") };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(flaky, new FakeWorker("after_type"));
        orchestrator.RegisterWorkflow(SingleStep(1, onFailure: null));

        var result = await orchestrator.ExecuteWorkflowAsync("retry_probe", "goal");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(WorkflowStep.Failed, result.CurrentStep);
        Assert.Equal(2, flaky.CallCount);
        Assert.Contains("'flaky'", result.Error, StringComparison.Ordinal);
        Assert.Contains("disk on fire", result.Error, StringComparison.Ordinal);
        Assert.Equal(WorkflowStep.Failed, result.History[^1].NextStep);
    }

    [Fact]
    public async Task Execute_RetryDelay_WaitsForTheClockWithBackoff()
    {
        var clock = new RecordingTimeProvider();
        var secondCall = new Signal();
        var thirdCall = new Signal();
        var flaky = new FakeWorker("flaky_type")
        {
            OnCall = (call, _) =>
            {
                if (call.Attempt == 2)
                {
                    secondCall.Set();
                }

                if (call.Attempt == 3)
                {
                    thirdCall.Set();
                    return "finally";
                }

                return Hub.Fail("transient");
            },
        };
        var orchestrator = Hub.Create(clock).With(flaky, new FakeWorker("after_type"));
        orchestrator.RegisterWorkflow(SingleStep(3, onFailure: null, retryDelay: TimeSpan.FromSeconds(10), backoff: 3));

        var run = orchestrator.ExecuteWorkflowAsync("retry_probe", "goal");

        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, flaky.CallCount);
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(1, flaky.CallCount);
        Assert.False(run.IsCompleted);

        clock.Advance(TimeSpan.FromTicks(1));
        await secondCall.WaitAsync();

        // Backoff 3: the second delay is 30 s, and 29 s are not enough.
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(2, flaky.CallCount);
        Assert.False(run.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        await thirdCall.WaitAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(3, flaky.CallCount);
        Assert.Equal(RecordingTimeProvider.Epoch + TimeSpan.FromSeconds(10), result.History[1].Timestamp);
        Assert.Equal(RecordingTimeProvider.Epoch + TimeSpan.FromSeconds(40), result.History[2].Timestamp);
    }

    [Fact]
    public void RetryDelay_IsCappedByMaxRetryDelay()
    {
        var step = new WorkflowStep("s", "t", retryDelay: TimeSpan.FromSeconds(10)) { RetryBackoff = 10, MaxRetryDelay = TimeSpan.FromMinutes(1) };

        Assert.Equal(TimeSpan.FromSeconds(10), step.DelayBeforeRetry(1));
        Assert.Equal(TimeSpan.FromMinutes(1), step.DelayBeforeRetry(2));
        Assert.Equal(TimeSpan.FromMinutes(1), step.DelayBeforeRetry(5));
    }
}
