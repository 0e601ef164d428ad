namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>Ends a run cancelled while it waited between attempts (a retry delay): recorded like a cancelled stored run.</summary>
    private async ValueTask EndCancelledBetweenAttemptsAsync(RunSession session, WorkflowStep step)
    {
        var context = session.Context;
        var who = session.CancelledBy ?? "unknown";
        var why = session.CancelReason ?? $"cancelled by {who}";
        var entry = new HistoryEntry
        {
            RunId = session.RunId,
            Sequence = context.MutableHistory.Count,
            StepId = step.StepId,
            WorkerType = step.WorkerType,
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
        context.CurrentStep = step.StepId;
        session.Error = why;
        session.StepIndex = CompiledWorkflow.FailedIndex;
        if (_store is not null)
        {
            await CommitAsync(session, entry, dataChanged: false).ConfigureAwait(false);
        }
    }
}
