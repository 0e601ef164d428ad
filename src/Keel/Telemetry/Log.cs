using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>Every log of the core, source-generated. Event ids: 1xx runs, 2xx attempts, 3xx storage and leases.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Run {RunId} of workflow '{Workflow}' started at step '{Step}' (goal: {Goal})")]
    public static partial void RunStarted(ILogger logger, string runId, string workflow, string step, string goal);

    [LoggerMessage(101, LogLevel.Information, "Run {RunId} ended {State} at '{Step}'{Reason}")]
    public static partial void RunEnded(ILogger logger, string runId, WorkflowState state, string step, string reason);

    [LoggerMessage(102, LogLevel.Information, "Run {RunId} resumed at step '{Step}' (visit {Visit}, attempt {Attempt})")]
    public static partial void RunResumed(ILogger logger, string runId, string step, int visit, int attempt);

    [LoggerMessage(103, LogLevel.Information, "Run {RunId} waits for approval at step '{Step}': {Prompt}")]
    public static partial void RunWaiting(ILogger logger, string runId, string step, string prompt);

    [LoggerMessage(104, LogLevel.Warning, "Run {RunId} interrupted at step '{Step}'; it can be resumed")]
    public static partial void RunInterrupted(ILogger logger, string runId, string step);

    [LoggerMessage(200, LogLevel.Information, "{Step} [{WorkerType}/{Worker}] attempt {Attempt}: {Outcome} in {DurationMs:0.0} ms -> {Next}")]
    public static partial void AttemptRecorded(ILogger logger, string step, string workerType, string worker, int attempt, AttemptOutcome outcome, double durationMs, string next);

    [LoggerMessage(201, LogLevel.Warning, "{Step} [{WorkerType}/{Worker}] attempt {Attempt} {Outcome}: {Error}")]
    public static partial void AttemptFailed(ILogger logger, string step, string workerType, string worker, int attempt, AttemptOutcome outcome, string error);

    [LoggerMessage(202, LogLevel.Trace, "{Step} attempt {Attempt} input {Input} output {Output}")]
    public static partial void AttemptPayload(ILogger logger, string step, int attempt, string? input, string? output);

    [LoggerMessage(300, LogLevel.Warning, "Run {RunId}: the lease was lost; stopping without writing")]
    public static partial void LeaseLost(ILogger logger, string runId);

    [LoggerMessage(301, LogLevel.Information, "Recovering {Count} interrupted run(s)")]
    public static partial void Recovering(ILogger logger, int count);

    [LoggerMessage(302, LogLevel.Information, "Claimed run {RunId} of workflow '{Workflow}' ({State}, lease held before by {PreviousOwner})")]
    public static partial void RunClaimed(ILogger logger, string runId, string workflow, string state, string previousOwner);

    [LoggerMessage(303, LogLevel.Error, "Claimed run {RunId} could not be driven: {Message}; this loop leaves it for {Delay} (failure {Failures} in a row)")]
    public static partial void ClaimedRunFailed(ILogger logger, Exception exception, string runId, string message, TimeSpan delay, int failures);

    [LoggerMessage(304, LogLevel.Warning, "Run {RunId} of workflow '{Workflow}' is blocked: it is pinned to definition {PinnedHash}, but {RegisteredHash} is registered now. Resume it on the new definition (keel resume --allow-definition-change) or cancel it.")]
    public static partial void RunBlocked(ILogger logger, string runId, string workflow, string pinnedHash, string registeredHash);

    [LoggerMessage(305, LogLevel.Error, "Event listener {Listener} threw on {EventType} of run {RunId}")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string listener, string eventType, string runId);

    [LoggerMessage(306, LogLevel.Error, "Worker loop: the run store failed ({Message}); claiming again in {Delay} (failure {Failures} in a row)")]
    public static partial void WorkerLoopStoreFailed(ILogger logger, Exception exception, string message, TimeSpan delay, int failures);

    [LoggerMessage(307, LogLevel.Information, "Worker loop: the run store answers again after {Failures} failure(s)")]
    public static partial void WorkerLoopStoreBack(ILogger logger, int failures);
}
