namespace Keel;

/// <summary>An attempt of a step began: its worker is about to be called.</summary>
public sealed record AttemptStarted : RunEvent
{
    /// <summary>The step.</summary>
    public required string StepId { get; init; }

    /// <summary>The step's worker type.</summary>
    public required WorkerType WorkerType { get; init; }

    /// <summary>The worker called.</summary>
    public required string WorkerName { get; init; }

    /// <summary>The visit of the step (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public required int Attempt { get; init; }

    /// <summary>Run, step, visit and attempt: the key the worker sees, the same when an interrupted attempt runs again.</summary>
    public string IdempotencyKey => Execution.IdempotencyKeys.Format(RunId, StepId, Visit, Attempt);
}
