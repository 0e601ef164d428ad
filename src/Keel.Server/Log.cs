using Microsoft.Extensions.Logging;

namespace Keel.Server;

/// <summary>The server's logs (event ids 5000-5099). Secrets never appear: keys are named, never shown.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "Keel server listening on {Addresses} (keys required: {KeysRequired}, worker loop: {WorkerLoop})")]
    public static partial void Listening(ILogger logger, string addresses, bool keysRequired, bool workerLoop);

    [LoggerMessage(5001, LogLevel.Warning, "A run driven by the server stopped with an error: {Message}")]
    public static partial void RunDriveFailed(ILogger logger, string message);

    [LoggerMessage(5002, LogLevel.Information, "Run {RunId} started on workflow {Workflow} by {Actor}")]
    public static partial void RunStarted(ILogger logger, string runId, string workflow, string actor);

    [LoggerMessage(5003, LogLevel.Information, "Approval deadline of run {RunId} at step {StepId} passed; following its timeout path")]
    public static partial void DeadlinePassed(ILogger logger, string runId, string stepId);

    [LoggerMessage(5004, LogLevel.Warning, "Background task of the server failed: {Message}")]
    public static partial void BackgroundFailed(ILogger logger, string message);

    [LoggerMessage(5005, LogLevel.Information, "{Actor} {Action} run {RunId}")]
    public static partial void Control(ILogger logger, string actor, string action, string runId);
}
