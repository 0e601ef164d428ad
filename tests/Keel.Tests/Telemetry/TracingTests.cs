using System.Collections.Concurrent;
using System.Diagnostics;
using Keel.Tests.Fakes;

namespace Keel.Tests.Telemetry;

public sealed class TracingTests
{
    /// <summary>Records every stopped activity of the Keel source until disposed.</summary>
    private static ActivityListener ListenToKeel(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KeelTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public async Task Execute_WithListener_EmitsOneRunSpanAndOneChildSpanPerAttempt()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToKeel(stopped);
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("too plain") : "ok";
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var runId = "trace-" + Guid.NewGuid().ToString("N");

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = runId });

        var mine = stopped.Where(a => (string?)a.GetTagItem(KeelTelemetry.TagRunId) == runId).ToList();
        var run = Assert.Single(mine, a => a.OperationName.StartsWith("invoke_workflow", StringComparison.Ordinal));
        Assert.Equal("invoke_workflow build_website", run.DisplayName);
        Assert.Equal("build_website", run.GetTagItem(KeelTelemetry.TagWorkflow));
        Assert.Equal("completed", run.GetTagItem(KeelTelemetry.TagRunState));

        var steps = mine.Where(a => a.OperationName.StartsWith("execute_step", StringComparison.Ordinal)).OrderBy(a => a.StartTimeUtc).ThenBy(a => (int)a.GetTagItem(KeelTelemetry.TagAttempt)!).ToList();
        Assert.Equal(result.History.Count, steps.Count);
        Assert.Equal(result.History.Select(e => "execute_step " + e.StepId).Order(), steps.Select(a => a.DisplayName).Order());
        Assert.All(steps, span =>
        {
            Assert.Equal(run.SpanId, span.ParentSpanId);
            Assert.Equal(run.TraceId, span.TraceId);
        });

        var tagged = steps.Select(a => (
                Step: (string)a.GetTagItem(KeelTelemetry.TagStep)!,
                Type: (string)a.GetTagItem(KeelTelemetry.TagWorkerType)!,
                Name: (string)a.GetTagItem(KeelTelemetry.TagWorkerName)!,
                Attempt: (int)a.GetTagItem(KeelTelemetry.TagAttempt)!,
                Visit: (int)a.GetTagItem(KeelTelemetry.TagVisit)!,
                Outcome: (string)a.GetTagItem(KeelTelemetry.TagOutcome)!))
            .OrderBy(t => t.Step, StringComparer.Ordinal).ThenBy(t => t.Visit).ToList();
        var expected = result.History
            .Select(e => (Step: e.StepId, Type: e.WorkerType.Value, Name: e.WorkerName, e.Attempt, e.Visit, Outcome: e.Outcome == AttemptOutcome.Succeeded ? "succeeded" : "failed"))
            .OrderBy(t => t.Step, StringComparer.Ordinal).ThenBy(t => t.Visit).ToList();
        Assert.Equal(expected, tagged);
        var failedSpan = Assert.Single(steps, a => (string?)a.GetTagItem(KeelTelemetry.TagOutcome) == "failed");
        Assert.Equal(ActivityStatusCode.Error, failedSpan.Status);
        Assert.Equal("implement_code", failedSpan.GetTagItem("keel.next_step"));
    }

    [Fact]
    public async Task Approve_ThatEndsTheRun_EmitsTheRunSpanWithItsEndState()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToKeel(stopped);
        var worker = new FakeWorker("writer");
        var orchestrator = Hub.Create(new RecordingTimeProvider(), new InMemoryRunStore()).With(worker);
        var workflow = new WorkflowDefinition("signed");
        workflow.AddStep(new WorkflowStep("write", "writer", onSuccess: "sign"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign", "ok?", onApproved: WorkflowStep.Complete));
        orchestrator.RegisterWorkflow(workflow);
        var runId = "approved-" + Guid.NewGuid().ToString("N");
        await orchestrator.ExecuteWorkflowAsync("signed", "g", new ExecuteOptions { RunId = runId });

        var result = await orchestrator.ApproveAsync(runId, "sign", "ada");

        Assert.Equal(WorkflowState.Completed, result.State);
        var runs = stopped.Where(a => (string?)a.GetTagItem(KeelTelemetry.TagRunId) == runId && a.OperationName.StartsWith("invoke_workflow", StringComparison.Ordinal)).ToList();
        Assert.Equal(["waiting_for_approval", "completed"], runs.Select(a => (string?)a.GetTagItem(KeelTelemetry.TagRunState)));
        Assert.Equal(true, runs[1].GetTagItem("keel.run.resumed"));
    }

    [Fact]
    public async Task Execute_FailedRun_MarksTheRunSpanAsError()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToKeel(stopped);
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, _) => Hub.Fail("no requirements");
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var runId = "trace-" + Guid.NewGuid().ToString("N");

        await orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = runId });

        var run = Assert.Single(stopped, a => (string?)a.GetTagItem(KeelTelemetry.TagRunId) == runId && a.OperationName.StartsWith("invoke_workflow", StringComparison.Ordinal));
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal("failed", run.GetTagItem(KeelTelemetry.TagRunState));
    }

    [Fact]
    public async Task Execute_InterruptedByTheCaller_ClosesTheAttemptSpanAndMarksTheRunSpanInterrupted_FromTheEventListener()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToKeel(stopped);
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        using var stop = new CancellationTokenSource();
        Activity? seenByWorker = null;
        coder.OnCallAsync = async (_, _, token) =>
        {
            seenByWorker = Activity.Current;
            await stop.CancelAsync();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return "never";
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider(), new InMemoryRunStore()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var runId = "trace-" + Guid.NewGuid().ToString("N");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = runId }, stop.Token));

        var mine = stopped.Where(a => (string?)a.GetTagItem(KeelTelemetry.TagRunId) == runId).ToList();
        var run = Assert.Single(mine, a => a.OperationName.StartsWith("invoke_workflow", StringComparison.Ordinal));
        Assert.Equal((ActivityStatusCode.Error, "interrupted"), (run.Status, run.StatusDescription));
        var inFlight = Assert.Single(mine, a => a.DisplayName == "execute_step implement_code");
        Assert.Same(inFlight, seenByWorker);
        Assert.Equal(run.SpanId, inFlight.ParentSpanId);
        Assert.Null(inFlight.GetTagItem(KeelTelemetry.TagOutcome));
        Assert.Single(mine, a => a.DisplayName == "execute_step create_specs");
    }
}
