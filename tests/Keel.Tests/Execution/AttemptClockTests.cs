namespace Keel.Tests.Execution;

/// <summary>The times an attempt records on the system clock (fast attempts take theirs from the monotonic clock).</summary>
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
}
