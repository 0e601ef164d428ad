using System.Buffers;
using System.Text;

namespace Keel.Tests.Events;

public sealed class RunEventJsonWriteTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.FromHours(2));

    public static TheoryData<RunEvent> Events() => new()
    {
        new RunCreated { RunId = "r1", Sequence = 1, Timestamp = At, WorkflowName = "w", Goal = "a \"quoted\" goal é", DefinitionHash = "h", State = WorkflowState.Running, Step = "s" },
        new AttemptStarted { RunId = "r1", Sequence = 2, Timestamp = At, StepId = "s", WorkerType = WorkerType.Coder, WorkerName = "coder", Visit = 1, Attempt = 2 },
        new AttemptRecorded
        {
            RunId = "r1", Sequence = 3, Timestamp = At, HistorySequence = 0, StepId = "s", WorkerType = WorkerType.Coder, WorkerName = "coder", Visit = 1, Attempt = 2,
            Outcome = AttemptOutcome.Failed, Error = "boom <tag> & \u2028", Duration = TimeSpan.FromMilliseconds(12.5), Usage = new TokenUsage(10, 20, "m", 0.25m), NextStep = "s",
        },
        new RunParked { RunId = "r1", Sequence = 4, Timestamp = At, StepId = "approve", Prompt = "ok?" },
        new DecisionRecorded { RunId = "r1", Sequence = 5, Timestamp = At, StepId = "approve", Approved = false, By = "ana", Comment = null, HistorySequence = 1, NextStep = "failed" },
        new CancelRequested { RunId = "r1", Sequence = 6, Timestamp = At, By = "ops", Reason = "stop" },
        new RunPaused { RunId = "r1", Sequence = 7, Timestamp = At, By = "ops", StepId = "s" },
        new RunResumed { RunId = "r1", Sequence = 8, Timestamp = At, By = "ops" },
        new LeaseLost { RunId = "r1", Sequence = 9, Timestamp = At, PreviousOwner = "a", Owner = "b" },
        new RunEnded { RunId = "r1", Sequence = 10, Timestamp = At, State = WorkflowState.Completed, Step = "complete", Error = null },
        new RunCreated
        {
            RunId = "r1:s:1:1", Sequence = 1, Timestamp = At.AddTicks(1234567), WorkflowName = "w", Goal = "g", DefinitionHash = "h",
            State = WorkflowState.WaitingForApproval, Step = "s", ParentRunId = "r1", ParentSequence = 3,
        },
        new AttemptRecorded
        {
            RunId = "r1", Sequence = 11, Timestamp = DateTimeOffset.UnixEpoch, HistorySequence = 7, StepId = "s", WorkerType = new WorkerType("my type"), WorkerName = "w",
            Visit = 3, Attempt = 1, Outcome = AttemptOutcome.Succeeded, Duration = TimeSpan.FromDays(1.5) + TimeSpan.FromTicks(1), NextStep = "complete",
        },
        new AttemptRecorded
        {
            RunId = "r1", Sequence = 12, Timestamp = At, HistorySequence = 8, StepId = "s", WorkerType = WorkerType.Tester, WorkerName = "w",
            Visit = 1, Attempt = 1, Outcome = AttemptOutcome.InvalidOutput, Error = "", Duration = TimeSpan.Zero, Usage = new TokenUsage(0, 5), NextStep = "s",
        },
        new RunParked { RunId = "r1", Sequence = 13, Timestamp = At, StepId = "approve", Prompt = null },
        new DecisionRecorded { RunId = "r1", Sequence = 14, Timestamp = At, StepId = "approve", Approved = true, By = "ana", Comment = "fine \\ \"ok\"", HistorySequence = 2, NextStep = "complete" },
        new RunEnded { RunId = "r1", Sequence = 15, Timestamp = At, State = WorkflowState.Failed, Step = "failed", Error = "budget\nexceeded" },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Serialize_IsByteForByteWhatTheSerializerWrites(RunEvent runEvent)
    {
        var expected = System.Text.Json.JsonSerializer.Serialize(runEvent, KeelJson.Options);

        Assert.Equal(expected, RunEventJson.Serialize(runEvent));
        Assert.Equal(runEvent, RunEventJson.Deserialize(RunEventJson.Serialize(runEvent)));
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Write_IsByteForByteWhatSerializeReturns(RunEvent runEvent)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("x"u8);

        RunEventJson.Write(buffer, runEvent);
        RunEventJson.Write(buffer, runEvent);

        var once = RunEventJson.Serialize(runEvent);
        Assert.Equal("x" + once + once, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Write_UnknownEventType_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => RunEventJson.Write(new ArrayBufferWriter<byte>(), new StrangeEvent { RunId = "r", Sequence = 1, Timestamp = At }));
        Assert.Contains("StrangeEvent", error.Message, StringComparison.Ordinal);
    }

    private sealed record StrangeEvent : RunEvent;
}
