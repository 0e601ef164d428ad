namespace Keel;

internal sealed partial class RunDriver
{
    /// <summary>What the start records under the lease before (or instead of) driving: a decision, a cancellation, a pause, an unpause.</summary>
    private async ValueTask PrepareAsync(RunStart start, RunSession session)
    {
        var at = session.Position;
        switch (start.Kind)
        {
            case StartKind.Decision:
                await DecideAsync(start, session, at).ConfigureAwait(false);
                break;
            case StartKind.Cancel:
                if (at.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
                {
                    throw new KeelException($"Run '{session.RunId}' has already ended ({StableNames.Of(at.State)}); there is nothing to cancel.");
                }

                session.Control = RunControl.Cancel;
                session.ControlBy = start.By;
                session.ControlReason = start.Reason ?? $"cancelled by {start.By}";
                await CancelHereAsync(session).ConfigureAwait(false);
                break;
            case StartKind.Pause:
                if (at.State is WorkflowState.Pending or WorkflowState.Running)
                {
                    session.ControlBy = start.By;
                    await PauseHereAsync(session).ConfigureAwait(false);
                }

                break;
            case StartKind.Unpause:
                if (at.State == WorkflowState.Paused)
                {
                    session.Position = Router.InState(at, WorkflowState.Pending);
                    var resumed = new RunResumed { RunId = session.RunId, Sequence = session.NextEvent(), Timestamp = _time.GetUtcNow(), By = start.By };
                    await CommitAsync(session, null, dataChanged: false, [resumed], clearsControl: true).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>Records a person's decision at the approval step the run waits at, and moves the run on.</summary>
    private async ValueTask DecideAsync(RunStart start, RunSession session, RunPosition at)
    {
        // Checked again under the lease: another decision may have been recorded since the caller looked.
        if (at.State != WorkflowState.WaitingForApproval || !string.Equals(at.Step, start.StepId, StringComparison.Ordinal) || !at.AtStep)
        {
            throw new KeelException($"Run '{session.RunId}' is not waiting for approval at step '{start.StepId}' (it is {StableNames.Of(at.State)} at '{at.Step}'): the decision was not recorded.");
        }

        var step = session.Workflow.Steps[at.StepIndex];
        var outcome = start.Approved ? AttemptOutcome.Approved : AttemptOutcome.Rejected;
        var rejected = $"step '{step.StepId}' was rejected by {start.By}" + (string.IsNullOrWhiteSpace(start.Reason) ? string.Empty : ": " + start.Reason);
        var next = Router.After(session.Workflow, Router.InState(at, WorkflowState.Running), outcome, session.Visits, rejected, out _);
        var entry = HistoryEntries.Decision(session, at, step, start.Approved, start.By, start.Reason, _time.GetUtcNow(), next.Step);
        session.Context.MutableHistory.Add(entry);
        session.Position = next;
        var decided = new DecisionRecorded
        {
            RunId = session.RunId,
            Sequence = session.NextEvent(),
            Timestamp = entry.Timestamp,
            StepId = step.StepId,
            Approved = start.Approved,
            By = start.By,
            Comment = start.Reason,
            HistorySequence = entry.Sequence,
            NextStep = next.Step,
        };
        RunEvent[] events = next.AtStep ? [decided] : [decided, Ended(session)];
        await CommitAsync(session, entry, dataChanged: false, events).ConfigureAwait(false);
        if (!start.Drive && next.State == WorkflowState.Running)
        {
            // A worker loop drives the rest: the lease is given back now, the run is claimable at once.
            await _store!.ReleaseLeaseAsync(session.RunId, _options.OwnerId, session.Fence, CancellationToken.None).ConfigureAwait(false);
            session.LeaseReleased = true;
        }
    }
}
