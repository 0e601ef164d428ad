using Keel.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Execution;

/// <summary>
/// The times an attempt records: on the system clock, fast attempts take theirs from the monotonic clock; an
/// attempt that follows an unobserved one with nothing waited for between them starts at the read that ended it.
/// </summary>
public sealed class AttemptClockTests
{
    [Fact]
    public async Task Execute_OnTheSystemClock_RecordsWallClockTimesInOrder()
    {
        const int Steps = 40;
        var orchestrator = new Orchestrator();
        var slowStep = Steps / 2;
        var workflow = new WorkflowDefinition("clocked");
        for (var i = 0; i < Steps; i++)
        {
            var type = new WorkerType("w" + i);
            var pause = i == slowStep;
            orchestrator.RegisterWorker(new WorkerDefinition(type, "w" + i, "", async (_, _, ct) =>
            {
                // One step past the second after the last wall-clock read: the next one reads the clock again.
                if (pause)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(1100), ct);
                }

                return "ok";
            }));
            workflow.AddStep(new WorkflowStep("s" + i, type, onSuccess: i == Steps - 1 ? WorkflowStep.Complete : "s" + (i + 1)), isInitial: i == 0);
        }

        orchestrator.RegisterWorkflow(workflow);

        var before = DateTimeOffset.UtcNow;
        var result = await orchestrator.ExecuteWorkflowAsync("clocked", "g");
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(Steps, result.History.Count);
        var slack = TimeSpan.FromMilliseconds(50);
        for (var i = 0; i < Steps; i++)
        {
            var entry = result.History[i];
            Assert.InRange(entry.Timestamp, before - slack, after + slack);
            Assert.InRange(entry.Timestamp + entry.Duration, before - slack, after + slack);
            if (i > 0)
            {
                var previous = result.History[i - 1];
                Assert.True(entry.Timestamp >= previous.Timestamp + previous.Duration - slack, $"attempt {i} starts at {entry.Timestamp:O}, before attempt {i - 1} ended ({previous.Timestamp + previous.Duration:O})");
            }
        }

        // The step that waited took its time, and the one after it started after it.
        Assert.True(result.History[slowStep].Duration >= TimeSpan.FromMilliseconds(1000));
        Assert.True(result.History[slowStep + 1].Timestamp - result.History[slowStep].Timestamp >= TimeSpan.FromMilliseconds(1000));
    }

    [Fact]
    public async Task Execute_InMemoryWithoutListeners_ReadsTheMonotonicClockOncePerAttemptAndOnceAtTheEnd()
    {
        var clock = new CountingTimeProvider();
        var orchestrator = ThreeSteps(new OrchestratorOptions { TimeProvider = clock }, (_, _, _) => new ValueTask<object?>("ok"));

        var result = await orchestrator.ExecuteWorkflowAsync("three", "g");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(3, result.History.Count);
        Assert.Equal(4, clock.TimestampReads);
    }

    [Fact]
    public async Task Execute_AWorkerThatTakesTime_TheNextAttemptStartsWhereItEnded()
    {
        var clock = new CountingTimeProvider();
        var orchestrator = ThreeSteps(new OrchestratorOptions { TimeProvider = clock }, async (_, context, _) =>
        {
            if (context.CurrentStep == "a")
            {
                clock.Advance(TimeSpan.FromSeconds(3));
                await Task.Yield();
            }

            return "ok";
        });

        var result = await orchestrator.ExecuteWorkflowAsync("three", "g");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.Zero, TimeSpan.Zero], result.History.Select(e => e.Duration));
        Assert.Equal(result.History[0].Timestamp + TimeSpan.FromSeconds(3), result.History[1].Timestamp);
    }

    [Fact]
    public async Task Execute_WithAStore_TheCommitIsNotCountedInTheNextAttempt()
    {
        var clock = new CountingTimeProvider();
        var store = new SlowCommits(new InMemoryRunStore(clock), clock, TimeSpan.FromSeconds(1));
        var orchestrator = ThreeSteps(new OrchestratorOptions { TimeProvider = clock, RunStore = store }, (_, _, _) => new ValueTask<object?>("ok"));

        var result = await orchestrator.ExecuteWorkflowAsync("three", "g");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero], result.History.Select(e => e.Duration));
        Assert.Equal(result.History[0].Timestamp + TimeSpan.FromSeconds(1), result.History[1].Timestamp);
    }

    [Fact]
    public async Task Execute_ARetryDelay_IsNotCountedInTheNextAttempt()
    {
        var clock = new RecordingTimeProvider();
        var calls = 0;
        var orchestrator = new Orchestrator(new OrchestratorOptions { TimeProvider = clock });
        var type = new WorkerType("flaky");
        orchestrator.RegisterWorker(new WorkerDefinition(type, "flaky", "", (_, _, _) =>
            ++calls == 1 ? throw new InvalidOperationException("first try fails") : new ValueTask<object?>("ok")));
        var workflow = new WorkflowDefinition("retried");
        workflow.AddStep(new WorkflowStep("a", type, maxRetries: 1, retryDelay: TimeSpan.FromSeconds(5)), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var run = orchestrator.ExecuteWorkflowAsync("retried", "g");
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(5));
        var result = await run;

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], result.History.Select(e => e.Outcome));
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero], result.History.Select(e => e.Duration));
        Assert.Equal(result.History[0].Timestamp + TimeSpan.FromSeconds(5), result.History[1].Timestamp);
    }

    private static Orchestrator ThreeSteps(OrchestratorOptions options, WorkerExecutor executor)
    {
        var orchestrator = new Orchestrator(options);
        var type = new WorkerType("w");
        orchestrator.RegisterWorker(new WorkerDefinition(type, "w", "", executor));
        var workflow = new WorkflowDefinition("three");
        workflow.AddStep(new WorkflowStep("a", type, onSuccess: "b"), isInitial: true);
        workflow.AddStep(new WorkflowStep("b", type, onSuccess: "c"));
        workflow.AddStep(new WorkflowStep("c", type));
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }

    /// <summary>A fake clock that counts reads of its monotonic clock.</summary>
    private sealed class CountingTimeProvider() : FakeTimeProvider(RecordingTimeProvider.Epoch)
    {
        public int TimestampReads { get; private set; }

        public override long GetTimestamp()
        {
            TimestampReads++;
            return base.GetTimestamp();
        }
    }

    /// <summary>A store whose every commit takes <paramref name="delay"/> on the fake clock.</summary>
    private sealed class SlowCommits(IRunStore inner, FakeTimeProvider clock, TimeSpan delay) : DelegatingRunStore(inner)
    {
        public override ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            clock.Advance(delay);
            return base.CommitAsync(checkpoint, cancellationToken);
        }
    }
}
