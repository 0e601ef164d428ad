using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>Parks the run at an approval step: the position is committed and the run waits.</summary>
    private async ValueTask ParkAsync(RunSession session, WorkflowStep step, CancellationToken cancellationToken)
    {
        var context = session.Context;
        context.State = WorkflowState.WaitingForApproval;
        context.CurrentStep = step.StepId;
        session.Prompt = step.Prompt;
        await CommitAsync(session, null, context.Data.Version != session.CommittedDataVersion).ConfigureAwait(false);
        if (session.Logger.IsEnabled(LogLevel.Information))
        {
            Log.RunWaiting(session.Logger, session.RunId, step.StepId, step.Prompt ?? string.Empty);
        }
    }

    /// <summary>Ends a run without an attempt (a spent budget): recorded as the run's error.</summary>
    private async ValueTask EndWithoutAttemptAsync(RunSession session, WorkflowState state, string reason, CancellationToken cancellationToken)
    {
        var context = session.Context;
        context.State = state;
        session.Error = reason;
        session.StepIndex = CompiledWorkflow.FailedIndex;
        context.CurrentStep = WorkflowStep.Failed;
        if (_store is not null)
        {
            await CommitAsync(session, null, context.Data.Version != session.CommittedDataVersion).ConfigureAwait(false);
        }
    }
}
