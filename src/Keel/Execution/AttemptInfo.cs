namespace Keel;

/// <summary>The attempt a worker is running: where it is and the key that makes its side effects safe to repeat.</summary>
public readonly struct AttemptInfo
{
    internal AttemptInfo(string runId, string stepId, int visit, int number, string? previousError, AttemptOutcome? previousOutcome)
    {
        RunId = runId;
        StepId = stepId;
        Visit = visit;
        Number = number;
        PreviousError = previousError;
        PreviousOutcome = previousOutcome;
    }

    /// <summary>The id of the run the attempt belongs to.</summary>
    public string RunId { get; }

    /// <summary>The id of the step being attempted.</summary>
    public string StepId { get; }

    /// <summary>How many times the run has entered this step, this visit included (from 1).</summary>
    public int Visit { get; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public int Number { get; }

    /// <summary>The error of the previous attempt of this visit (for a retry), else null.</summary>
    public string? PreviousError { get; }

    /// <summary>The outcome of the previous attempt of this visit (for a retry), else null.</summary>
    public AttemptOutcome? PreviousOutcome { get; }

    /// <summary>run id, step id, visit and attempt: the same when an interrupted attempt is run again on resume.</summary>
    public string IdempotencyKey => Execution.IdempotencyKeys.Format(RunId, StepId, Visit, Number);
}
