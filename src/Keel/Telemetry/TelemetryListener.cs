using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>
/// Traces, metrics and logs of runs and attempts, made from the run events: every orchestrator has this
/// listener first. The run span opens at the drive's first event and closes at the one that stops the
/// drive (ended, parked, paused); a step span opens on <see cref="AttemptStarted"/> (which is handed to
/// listeners in the attempt's own flow, so the span is <see cref="Activity.Current"/> while the worker runs
/// and a model call's span nests under it) and closes on the matching <see cref="AttemptRecorded"/>. The
/// spans of a drive live on its session, so nothing is kept per run anywhere else; when nothing listens to
/// the source, the meter or the logger, an event costs a few flag checks.
/// </summary>
internal sealed class TelemetryListener : RunEventListener
{
    public static readonly TelemetryListener Instance = new();

    /// <summary>True when a span, metric or log listener would take something from the run's events.</summary>
    internal override bool IsListening(RunSession session)
        => KeelTelemetry.Source.HasListeners()
            || KeelTelemetry.Runs.Enabled || KeelTelemetry.Attempts.Enabled || KeelTelemetry.Failures.Enabled
            || KeelTelemetry.StepDuration.Enabled || KeelTelemetry.Tokens.Enabled
            || session.Logger.IsEnabled(LogLevel.Critical);

    public override void Write(in RunEventArguments arguments)
    {
        var session = arguments.Session;
        if (session is null)
        {
            return;
        }

        switch (arguments.Event)
        {
            case AttemptStarted started:
                StartStep(session, started);
                break;
            case AttemptRecorded recorded:
                RecordAttempt(session, recorded);
                break;
            case RunParked parked:
                if (session.Logger.IsEnabled(LogLevel.Information))
                {
                    Log.RunWaiting(session.Logger, session.RunId, parked.StepId, parked.Prompt ?? string.Empty);
                }

                EndRun(session, WorkflowState.WaitingForApproval, parked.StepId, null);
                break;
            case RunPaused paused:
                EndRun(session, WorkflowState.Paused, paused.StepId, null);
                break;
            case DecisionRecorded decision when KeelTelemetry.Attempts.Enabled:
                // A decision is an attempt of its approval step: counted with its outcome, approved or rejected.
                KeelTelemetry.Attempts.Add(
                    1,
                    new KeyValuePair<string, object?>(KeelTelemetry.TagWorkflow, session.Workflow.Name),
                    new KeyValuePair<string, object?>(KeelTelemetry.TagStep, decision.StepId),
                    new KeyValuePair<string, object?>(KeelTelemetry.TagWorkerType, session.Workflow.TryIndexOf(decision.StepId) is >= 0 and var index ? session.Workflow.Steps[index].WorkerType.Value : "approval"),
                    new KeyValuePair<string, object?>(KeelTelemetry.TagOutcome, StableNames.Of(decision.Approved ? AttemptOutcome.Approved : AttemptOutcome.Rejected)));
                break;
            case RunEnded ended:
                EndRun(session, ended.State, ended.Step, ended.Error);
                break;
        }
    }

    /// <summary>
    /// The drive stopped. After an event that stops it this finds nothing open; a drive interrupted by its
    /// caller (or stopped by a lost lease or a failure) has no event, as nothing is recorded: its spans close here.
    /// </summary>
    public static void DriveStopped(RunSession session, bool byCaller)
    {
        if (byCaller && session.Logger.IsEnabled(LogLevel.Warning))
        {
            Log.RunInterrupted(session.Logger, session.RunId, session.Context.CurrentStep);
        }

        session.StepActivity?.Dispose();
        session.StepActivity = null;
        if (session.RunActivity is { } run)
        {
            if (byCaller)
            {
                run.SetStatus(ActivityStatusCode.Error, "interrupted");
            }

            run.Dispose();
            session.RunActivity = null;
        }
    }

    private static Activity? RunSpan(RunSession session)
    {
        if (session.RunActivity is null && session.Driving && KeelTelemetry.Source.HasListeners())
        {
            var activity = KeelTelemetry.Source.StartActivity("invoke_workflow " + session.Workflow.Name, ActivityKind.Internal);
            if (activity is not null)
            {
                activity.SetTag(KeelTelemetry.TagWorkflow, session.Workflow.Name);
                activity.SetTag(KeelTelemetry.TagRunId, session.RunId);
                activity.SetTag("gen_ai.operation.name", "invoke_workflow");
                if (session.Resumed)
                {
                    activity.SetTag("keel.run.resumed", true);
                }
            }

            session.RunActivity = activity;
        }

        return session.RunActivity;
    }

    private static void StartStep(RunSession session, AttemptStarted started)
    {
        if (!KeelTelemetry.Source.HasListeners())
        {
            return;
        }

        var parent = RunSpan(session);
        var activity = parent is null
            ? KeelTelemetry.Source.StartActivity("execute_step " + started.StepId, ActivityKind.Internal)
            : KeelTelemetry.Source.StartActivity("execute_step " + started.StepId, ActivityKind.Internal, parent.Context);
        if (activity is not null)
        {
            activity.SetTag(KeelTelemetry.TagWorkflow, session.Workflow.Name);
            activity.SetTag(KeelTelemetry.TagRunId, session.RunId);
            activity.SetTag(KeelTelemetry.TagStep, started.StepId);
            activity.SetTag(KeelTelemetry.TagWorkerType, started.WorkerType.Value);
            activity.SetTag(KeelTelemetry.TagWorkerName, started.WorkerName);
            activity.SetTag(KeelTelemetry.TagVisit, started.Visit);
            activity.SetTag(KeelTelemetry.TagAttempt, started.Attempt);
        }

        session.StepActivity = activity;
    }

    private static void RecordAttempt(RunSession session, AttemptRecorded entry)
    {
        var outcome = StableNames.Of(entry.Outcome);
        if (session.StepActivity is { } span && (string?)span.GetTagItem(KeelTelemetry.TagStep) == entry.StepId)
        {
            span.SetTag(KeelTelemetry.TagOutcome, outcome);
            span.SetTag("keel.next_step", entry.NextStep);
            if (entry.Usage is { } spent)
            {
                span.SetTag("gen_ai.usage.input_tokens", spent.InputTokens);
                span.SetTag("gen_ai.usage.output_tokens", spent.OutputTokens);
            }

            if (!entry.Outcome.IsSuccess())
            {
                span.SetStatus(ActivityStatusCode.Error, entry.Error);
            }

            span.Dispose();
            session.StepActivity = null;
        }
        else
        {
            // An attempt of a parallel or map step: no span of its own, but the run's span is opened.
            RunSpan(session);
        }

        var metered = KeelTelemetry.Attempts.Enabled || KeelTelemetry.StepDuration.Enabled || KeelTelemetry.Failures.Enabled;
        var logger = session.Logger;
        if (!metered && !logger.IsEnabled(LogLevel.Information) && !logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        // A branch of a parallel or map step ("step/branch") is reported under its step, as the step's
        // worker type; the step's join entry is not an attempt.
        var index = session.Workflow.TryIndexOf(entry.StepId);
        var stepId = entry.StepId;
        var workerType = entry.WorkerType.Value;
        if (index >= 0 && session.Workflow.Steps[index].Kind is StepKind.Parallel or StepKind.Map)
        {
            return;
        }

        if (index < 0 && entry.StepId.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash && session.Workflow.TryIndexOf(entry.StepId[..slash]) is >= 0 and var parent)
        {
            stepId = session.Workflow.Steps[parent].StepId;
            workerType = session.Workflow.Steps[parent].WorkerType.Value;
        }

        if (metered)
        {
            var tags = new TagList
            {
                { KeelTelemetry.TagWorkflow, session.Workflow.Name },
                { KeelTelemetry.TagStep, stepId },
                { KeelTelemetry.TagWorkerType, workerType },
                { KeelTelemetry.TagOutcome, outcome },
            };
            KeelTelemetry.Attempts.Add(1, tags);
            KeelTelemetry.StepDuration.Record(entry.Duration.TotalSeconds, tags);
            if (!entry.Outcome.IsSuccess())
            {
                KeelTelemetry.Failures.Add(1, tags);
            }

            if (entry.Usage is { } usage && KeelTelemetry.Tokens.Enabled)
            {
                KeelTelemetry.Tokens.Add(usage.InputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "input"), new KeyValuePair<string, object?>(KeelTelemetry.TagWorkflow, session.Workflow.Name));
                KeelTelemetry.Tokens.Add(usage.OutputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "output"), new KeyValuePair<string, object?>(KeelTelemetry.TagWorkflow, session.Workflow.Name));
            }
        }

        if (entry.Outcome.IsSuccess())
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.AttemptRecorded(logger, stepId, workerType, entry.WorkerName, entry.Attempt, entry.Outcome, entry.Duration.TotalMilliseconds, entry.NextStep);
            }
        }
        else if (logger.IsEnabled(LogLevel.Warning))
        {
            Log.AttemptFailed(logger, stepId, workerType, entry.WorkerName, entry.Attempt, entry.Outcome, entry.Error ?? string.Empty);
            Log.AttemptRecorded(logger, stepId, workerType, entry.WorkerName, entry.Attempt, entry.Outcome, entry.Duration.TotalMilliseconds, entry.NextStep);
        }

        if (logger.IsEnabled(LogLevel.Trace))
        {
            var history = session.Context.History;
            var recorded = entry.HistorySequence < history.Count ? history[entry.HistorySequence] : null;
            Log.AttemptPayload(logger, stepId, entry.Attempt, recorded is null ? null : KeelJson.ToText(recorded.Input), recorded is null ? null : KeelJson.ToText(recorded.Output));
        }
    }

    private static void EndRun(RunSession session, WorkflowState state, string step, string? error)
    {
        // A run ended by a cancel of a run nobody drives has no drive and no span; it is still counted and logged.
        if (!session.Driving && !state.IsEnded())
        {
            return;
        }

        var name = StableNames.Of(state);
        if (RunSpan(session) is { } activity)
        {
            activity.SetTag(KeelTelemetry.TagRunState, name);
            if (state == WorkflowState.Failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, error);
            }

            activity.Dispose();
            session.RunActivity = null;
        }

        if (KeelTelemetry.Runs.Enabled)
        {
            KeelTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(KeelTelemetry.TagWorkflow, session.Workflow.Name), new KeyValuePair<string, object?>(KeelTelemetry.TagRunState, name));
        }

        if (session.Logger.IsEnabled(LogLevel.Information))
        {
            Log.RunEnded(session.Logger, session.RunId, state, step, error is null ? string.Empty : ": " + error);
        }
    }
}
