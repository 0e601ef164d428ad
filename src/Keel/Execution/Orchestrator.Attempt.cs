using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>Runs one attempt, records it, routes, commits. Returns the delay before a retry (zero otherwise).</summary>
    private async ValueTask<TimeSpan> RunAttemptAsync(RunSession session, WorkflowStep step, WorkerDefinition worker, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        var stepIndex = session.StepIndex;
        var attempt = session.Attempt;
        context.Attempt = PreviousAttempt(session, step, attempt);
        context.CurrentStep = step.StepId;
        context.Feedback = Feedback.Find(session.Workflow, context.MutableHistory, step, session.Visit);

        using var span = KeelTelemetry.Source.HasListeners() ? StartAttemptActivity(session, step, worker, attempt) : null;
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var result = await InvokeAsync(session, step, worker, callerToken, runToken).ConfigureAwait(false);
        var duration = _time.GetElapsedTime(started);
        var usage = context.TakeAttemptUsage();

        int target;
        var retry = false;
        string? runError = null;
        if (result.Outcome == AttemptOutcome.Cancelled && session.CancelRequested)
        {
            target = CompiledWorkflow.FailedIndex;
        }
        else
        {
            target = Router.Next(session.Workflow, stepIndex, result.Outcome, result.Label, attempt, session.StepsTaken, out retry, out var blocked);
            if (blocked != int.MinValue)
            {
                runError = Router.BudgetSpent(session.Workflow, blocked, step.StepId);
            }
            else if (target == CompiledWorkflow.FailedIndex && !result.Outcome.IsSuccess())
            {
                runError = $"step '{step.StepId}' failed after {attempt} attempt(s): {result.Error}";
            }
        }

        var cancelled = result.Outcome == AttemptOutcome.Cancelled && session.CancelRequested;
        var nextName = cancelled ? "cancelled" : session.Workflow.TargetName(target);
        var dataChanged = context.Data.Version != session.CommittedDataVersion;
        var entry = new HistoryEntry
        {
            RunId = session.RunId,
            Sequence = context.MutableHistory.Count,
            StepId = step.StepId,
            WorkerType = step.WorkerType,
            WorkerName = worker.Name,
            Visit = session.Visit,
            Attempt = attempt,
            Outcome = result.Outcome,
            Input = result.Input,
            Output = result.Output,
            Error = result.Error,
            Timestamp = startedAt,
            Duration = duration,
            Usage = usage,
            NextStep = nextName,
            Data = dataChanged && _store is not null ? context.Data.Snapshot() : null,
        };
        context.MutableHistory.Add(entry);

        if (cancelled)
        {
            session.StepIndex = CompiledWorkflow.FailedIndex;
            session.Error = session.CancelReason ?? $"cancelled by {session.CancelledBy ?? "request"}";
            context.State = WorkflowState.Cancelled;
        }
        else
        {
            MoveTo(session, target, retry, runError);
        }

        if (_store is not null)
        {
            await CommitAsync(session, entry, dataChanged).ConfigureAwait(false);
        }

        RecordAttempt(session, step, worker, entry, span);
        return retry ? step.DelayBeforeRetry(attempt) : TimeSpan.Zero;
    }

    /// <summary>Applies a routing decision to the run's position.</summary>
    private static void MoveTo(RunSession session, int target, bool retry, string? runError)
    {
        var context = session.Context;
        if (retry)
        {
            session.Attempt++;
            return;
        }

        if (target >= 0)
        {
            session.StepIndex = target;
            session.Visits[target]++;
            session.Visit = session.Visits[target];
            session.Attempt = 1;
            session.StepsTaken++;
            context.CurrentStep = session.Workflow.Steps[target].StepId;
            return;
        }

        session.StepIndex = target;
        context.CurrentStep = session.Workflow.TargetName(target);
        if (target == CompiledWorkflow.CompleteIndex)
        {
            context.State = WorkflowState.Completed;
        }
        else
        {
            context.State = WorkflowState.Failed;
            session.Error = runError ?? "the run reached 'failed'";
        }
    }

    private static AttemptInfo PreviousAttempt(RunSession session, WorkflowStep step, int attempt)
    {
        string? previousError = null;
        AttemptOutcome? previousOutcome = null;
        if (attempt > 1)
        {
            var history = session.Context.MutableHistory;
            for (var i = history.Count - 1; i >= 0; i--)
            {
                var entry = history[i];
                if (entry.Visit == session.Visit && entry.Attempt == attempt - 1 && string.Equals(entry.StepId, step.StepId, StringComparison.Ordinal))
                {
                    previousError = entry.Error;
                    previousOutcome = entry.Outcome;
                    break;
                }
            }
        }

        return new AttemptInfo(session.RunId, step.StepId, session.Visit, attempt, previousError, previousOutcome);
    }

    /// <summary>Builds the input, calls the executor, shapes and checks the output. Never throws, except on interruption.</summary>
    private async ValueTask<AttemptResult> InvokeAsync(RunSession session, WorkflowStep step, WorkerDefinition worker, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        JsonElement input;
        try
        {
            var transformer = step.InputTransformer ?? worker.InputTransformer;
            input = transformer is null
                ? DefaultInput(context, step.StepId, session.Visit)
                : KeelJson.Normalize(transformer(context));
        }
        catch (Exception ex)
        {
            return AttemptResult.Failure(AttemptOutcome.Failed, default, $"input transformer threw {ex.GetType().Name}: {ex.Message}");
        }

        object? raw;
        CancellationTokenSource? timeoutSource = null;
        CancellationTokenSource? linked = null;
        try
        {
            var token = runToken;
            if (step.Timeout is { } timeout)
            {
                timeoutSource = new CancellationTokenSource(timeout, _time);
                linked = CancellationTokenSource.CreateLinkedTokenSource(runToken, timeoutSource.Token);
                token = linked.Token;
            }

            var pending = worker.Executor(input, context, token);
            if (pending.IsCompletedSuccessfully)
            {
                raw = pending.Result;
            }
            else
            {
                // Honour the timeout and cancellation even when the executor ignores its token.
                raw = await pending.AsTask().WaitAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (callerToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (timeoutSource is { IsCancellationRequested: true } && !session.CancelRequested)
        {
            _ = ex;
            return AttemptResult.Failure(AttemptOutcome.TimedOut, input, $"step '{step.StepId}' timed out after {DurationText.Format(step.Timeout!.Value)}");
        }
        catch (Exception) when (session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.Cancelled, input, session.CancelReason ?? "cancelled");
        }
        catch (InvalidWorkerOutputException ex)
        {
            return AttemptResult.Failure(AttemptOutcome.InvalidOutput, input, ex.Message);
        }
        catch (Exception ex)
        {
            return AttemptResult.Failure(AttemptOutcome.Failed, input, $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            linked?.Dispose();
            timeoutSource?.Dispose();
        }

        if (session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.Cancelled, input, session.CancelReason ?? "cancelled");
        }

        if (worker.OutputTransformer is { } shape)
        {
            try
            {
                raw = shape(raw, context);
            }
            catch (Exception ex)
            {
                return AttemptResult.Failure(AttemptOutcome.Failed, input, $"output transformer threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        JsonElement output;
        try
        {
            output = KeelJson.Normalize(raw);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            return AttemptResult.Failure(AttemptOutcome.InvalidOutput, input, $"the output cannot be recorded as JSON: {ex.Message}");
        }

        if (worker.OutputValidator is { } validate)
        {
            string? problem;
            try
            {
                problem = validate(output, context);
            }
            catch (Exception ex)
            {
                problem = $"output validator threw {ex.GetType().Name}: {ex.Message}";
            }

            if (problem is not null)
            {
                return new AttemptResult(AttemptOutcome.InvalidOutput, input, output, problem);
            }
        }

        var label = Router.Label(step, output, out var labelError);
        if (labelError is not null)
        {
            return new AttemptResult(AttemptOutcome.InvalidOutput, input, output, labelError);
        }

        return AttemptResult.Success(input, output, label);
    }

    /// <summary>
    /// The input of a step without a transformer: the last successful output, else the goal. On a visit
    /// with feedback: this step's previous input (else that default) with <c>feedback</c> and
    /// <c>previous_output</c> added (an object input gains the two fields; any other is wrapped as <c>input</c>).
    /// </summary>
    internal static JsonElement DefaultInput(WorkflowContext context, string stepId, int visit)
    {
        if (context.Feedback is not { } feedback)
        {
            return context.GetLastOutput() ?? context.GoalElement;
        }

        var basis = Feedback.PreviousInputOf(context.MutableHistory, stepId, visit) ?? context.GetLastOutput() ?? context.GoalElement;
        var value = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (basis.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in basis.EnumerateObject())
            {
                if (property.Name is not ("feedback" or "previous_output"))
                {
                    value[property.Name] = property.Value;
                }
            }
        }
        else
        {
            value["input"] = basis;
        }

        value["feedback"] = feedback.ToJsonObject();
        value["previous_output"] = feedback.PreviousOutput;
        return KeelJson.Normalize(value);
    }

    private async ValueTask CommitAsync(RunSession session, HistoryEntry? entry, bool dataChanged)
    {
        var context = session.Context;
        var now = _time.GetUtcNow();
        var stops = context.State != WorkflowState.Running;
        var checkpoint = new Checkpoint
        {
            RunId = session.RunId,
            Fence = session.Fence,
            Entry = entry,
            Data = dataChanged ? entry?.Data ?? context.Data.Snapshot() : null,
            State = context.State,
            CurrentStep = context.CurrentStep,
            Visit = session.Visit,
            Attempt = session.Attempt,
            StepsTaken = session.StepsTaken,
            Error = session.Error,
            UpdatedAt = now,
            LeaseExpires = stops ? null : now + _options.LeaseDuration,
            ReleasesLease = stops,
        };
        try
        {
            // The checkpoint is written whatever the caller's token says: a finished attempt is paid for.
            await _store!.CommitAsync(checkpoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException)
        {
            session.LeaseLost = true;
            Log.LeaseLost(session.Logger, session.RunId);
            throw;
        }

        session.CommittedDataVersion = context.Data.Version;
        session.LeaseReleased = stops;
    }

    private Activity? StartAttemptActivity(RunSession session, WorkflowStep step, WorkerDefinition worker, int attempt)
    {
        var activity = KeelTelemetry.Source.StartActivity("execute_step " + step.StepId, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag(KeelTelemetry.TagWorkflow, session.Workflow.Name);
            activity.SetTag(KeelTelemetry.TagRunId, session.RunId);
            activity.SetTag(KeelTelemetry.TagStep, step.StepId);
            activity.SetTag(KeelTelemetry.TagWorkerType, step.WorkerType.Value);
            activity.SetTag(KeelTelemetry.TagWorkerName, worker.Name);
            activity.SetTag(KeelTelemetry.TagVisit, session.Visit);
            activity.SetTag(KeelTelemetry.TagAttempt, attempt);
        }

        return activity;
    }

    private static void RecordAttempt(RunSession session, WorkflowStep step, WorkerDefinition worker, HistoryEntry entry, Activity? span)
    {
        var outcome = OutcomeName(entry.Outcome);
        if (span is not null)
        {
            span.SetTag(KeelTelemetry.TagOutcome, outcome);
            span.SetTag("keel.next_step", entry.NextStep);
            if (entry.Usage is { } usage)
            {
                span.SetTag("gen_ai.usage.input_tokens", usage.InputTokens);
                span.SetTag("gen_ai.usage.output_tokens", usage.OutputTokens);
            }

            if (!entry.Outcome.IsSuccess())
            {
                span.SetStatus(ActivityStatusCode.Error, entry.Error);
            }
        }

        if (KeelTelemetry.Attempts.Enabled || KeelTelemetry.StepDuration.Enabled || KeelTelemetry.Failures.Enabled)
        {
            var tags = new TagList
            {
                { KeelTelemetry.TagWorkflow, session.Workflow.Name },
                { KeelTelemetry.TagStep, step.StepId },
                { KeelTelemetry.TagWorkerType, step.WorkerType.Value },
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

        var logger = session.Logger;
        if (entry.Outcome.IsSuccess())
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.AttemptRecorded(logger, step.StepId, step.WorkerType.Value, worker.Name, entry.Attempt, entry.Outcome, entry.Duration.TotalMilliseconds, entry.NextStep);
            }
        }
        else if (logger.IsEnabled(LogLevel.Warning))
        {
            Log.AttemptFailed(logger, step.StepId, step.WorkerType.Value, worker.Name, entry.Attempt, entry.Outcome, entry.Error ?? string.Empty);
            Log.AttemptRecorded(logger, step.StepId, step.WorkerType.Value, worker.Name, entry.Attempt, entry.Outcome, entry.Duration.TotalMilliseconds, entry.NextStep);
        }

        if (logger.IsEnabled(LogLevel.Trace))
        {
            Log.AttemptPayload(logger, step.StepId, entry.Attempt, KeelJson.ToText(entry.Input), KeelJson.ToText(entry.Output));
        }
    }
}
