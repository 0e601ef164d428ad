namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>Ends a run cancelled while it waited between attempts (a retry delay): recorded like a cancelled stored run.</summary>
    private ValueTask EndCancelledBetweenAttemptsAsync(RunSession session, WorkflowStep step)
    {
        var who = session.CancelledBy ?? "unknown";
        return RecordCancellationAsync(session, step.StepId, step.WorkerType, who, session.CancelReason ?? $"cancelled by {who}");
    }

    /// <summary>Records a cancellation entry at the run's position and ends the run as cancelled.</summary>
    private async ValueTask RecordCancellationAsync(RunSession session, string stepId, WorkerType workerType, string who, string why)
    {
        var context = session.Context;
        var entry = new HistoryEntry
        {
            RunId = session.RunId,
            Sequence = context.MutableHistory.Count,
            StepId = stepId,
            WorkerType = workerType,
            WorkerName = who,
            Visit = session.Visit,
            Attempt = session.Attempt,
            Outcome = AttemptOutcome.Cancelled,
            Error = why,
            Timestamp = _time.GetUtcNow(),
            Duration = TimeSpan.Zero,
            NextStep = "cancelled",
        };
        context.MutableHistory.Add(entry);
        context.State = WorkflowState.Cancelled;
        context.CurrentStep = stepId;
        session.Error = why;
        session.StepIndex = CompiledWorkflow.FailedIndex;
        if (_store is not null)
        {
            await CommitAsync(session, entry, dataChanged: false).ConfigureAwait(false);
        }
    }
}
