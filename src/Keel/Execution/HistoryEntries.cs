using System.Text.Json;

namespace Keel;

/// <summary>The one place history entries are built: attempts (of steps and of their branches or items), approval decisions and cancellations.</summary>
internal static class HistoryEntries
{
    /// <summary>An attempt of the step at <paramref name="at"/>, routed to <paramref name="next"/>.</summary>
    public static HistoryEntry Attempt(
        RunSession session,
        RunPosition at,
        WorkflowStep step,
        string workerName,
        AttemptResult result,
        DateTimeOffset startedAt,
        TimeSpan duration,
        TokenUsage? usage,
        string next,
        IReadOnlyDictionary<string, JsonElement>? data)
        => Attempted(session, session.Context.MutableHistory.Count, step.StepId, step.WorkerType, workerName, at.Visit, at.Attempt, result, startedAt, duration, usage, next, data);

    /// <summary>
    /// An attempt of a parallel step's branch or a map step's item, at <paramref name="sequence"/> (-1 while it
    /// is parked, waiting for earlier units), routed to <paramref name="next"/>.
    /// </summary>
    public static HistoryEntry UnitAttempt(RunSession session, FanOutUnit unit, int attempt, AttemptResult result, DateTimeOffset startedAt, TimeSpan duration, TokenUsage? usage, string next, int sequence, IReadOnlyDictionary<string, JsonElement>? data)
        => Attempted(session, sequence, unit.StepId, unit.WorkerType, unit.Worker.Name, session.Position.Visit, attempt, result, startedAt, duration, usage, next, data);

    private static HistoryEntry Attempted(
        RunSession session,
        int sequence,
        string stepId,
        WorkerType workerType,
        string workerName,
        int visit,
        int attempt,
        AttemptResult result,
        DateTimeOffset startedAt,
        TimeSpan duration,
        TokenUsage? usage,
        string next,
        IReadOnlyDictionary<string, JsonElement>? data)
        => new()
        {
            RunId = session.RunId,
            Sequence = sequence,
            StepId = stepId,
            WorkerType = workerType,
            WorkerName = workerName,
            Visit = visit,
            Attempt = attempt,
            Outcome = result.Outcome,
            Input = result.Input,
            Output = result.Output,
            Error = result.Error,
            Timestamp = startedAt,
            Duration = duration,
            Usage = usage,
            NextStep = next,
            Data = data,
        };

    /// <summary>A person's decision at the approval step at <paramref name="at"/>.</summary>
    public static HistoryEntry Decision(RunSession session, RunPosition at, WorkflowStep step, bool approved, string decider, string? comment, DateTimeOffset now, string next)
        => new()
        {
            RunId = session.RunId,
            Sequence = session.Context.MutableHistory.Count,
            StepId = step.StepId,
            WorkerType = step.WorkerType,
            WorkerName = decider,
            Visit = at.Visit,
            Attempt = 1,
            Outcome = approved ? AttemptOutcome.Approved : AttemptOutcome.Rejected,
            Input = KeelJson.Normalize(step.Prompt),
            Output = KeelJson.Normalize(new ApprovalDecision(approved ? "approved" : "rejected", decider, comment)),
            Error = approved ? null : comment ?? "rejected",
            Timestamp = now,
            Duration = TimeSpan.Zero,
            NextStep = next,
        };

    /// <summary>A cancellation recorded at the run's position (no attempt in flight).</summary>
    public static HistoryEntry Cancellation(RunSession session, RunPosition at, WorkerType workerType, string who, string why, DateTimeOffset now)
        => new()
        {
            RunId = session.RunId,
            Sequence = session.Context.MutableHistory.Count,
            StepId = at.Step,
            WorkerType = workerType,
            WorkerName = who,
            Visit = at.Visit,
            Attempt = at.Attempt,
            Outcome = AttemptOutcome.Cancelled,
            Error = why,
            Timestamp = now,
            Duration = TimeSpan.Zero,
            NextStep = "cancelled",
        };

    internal sealed record ApprovalDecision(string Decision, string By, string? Comment);
}
