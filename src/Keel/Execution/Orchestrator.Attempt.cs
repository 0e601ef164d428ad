using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    internal AttemptInfo PreviousAttempt(RunSession session, WorkflowStep step, int attempt)
    {
        string? previousError = null;
        AttemptOutcome? previousOutcome = null;
        if (attempt > 1)
        {
            var history = session.Context.MutableHistory;
            for (var i = history.Count - 1; i >= 0; i--)
            {
                var entry = history[i];
                if (entry.Visit == session.Position.Visit && entry.Attempt == attempt - 1 && string.Equals(entry.StepId, step.StepId, StringComparison.Ordinal))
                {
                    previousError = entry.Error;
                    previousOutcome = entry.Outcome;
                    break;
                }
            }
        }

        return new AttemptInfo(session.RunId, step.StepId, session.Position.Visit, attempt, previousError, previousOutcome);
    }

    /// <summary>
    /// Runs one attempt of a step: builds the input, calls the executor, shapes and checks the output. Never
    /// throws, except on interruption. A worker that completes at once costs no state machine here or in the call.
    /// </summary>
    internal ValueTask<AttemptResult> InvokeAsync(RunSession session, WorkflowStep step, WorkerDefinition worker, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        JsonElement input;
        try
        {
            var transformer = step.InputTransformer ?? (step.Input is null ? worker.InputTransformer : null);
            input = transformer is not null ? KeelJson.Normalize(transformer(context))
                : step.Input is { } map ? InputMapping.Evaluate(map, context, step.StepId, session.Position.Visit)
                : DefaultInput(context, step.StepId, session.Position.Visit);
        }
        catch (Exception ex)
        {
            return new ValueTask<AttemptResult>(AttemptResult.Failure(AttemptOutcome.Failed, default, $"input transformer threw {ex.GetType().Name}: {ex.Message}"));
        }

        var call = CallWorkerAsync(session, context, step.StepId, step.Timeout, worker, input, callerToken, runToken);
        return call.IsCompletedSuccessfully
            ? new ValueTask<AttemptResult>(Labelled(step, input, call.Result))
            : LabelledAsync(step, input, call);
    }

    private static async ValueTask<AttemptResult> LabelledAsync(WorkflowStep step, JsonElement input, ValueTask<AttemptResult> call)
        => Labelled(step, input, await call.ConfigureAwait(false));

    /// <summary>A successful call's result with the step's label (an output the label function refuses is invalid).</summary>
    private static AttemptResult Labelled(WorkflowStep step, JsonElement input, AttemptResult result)
    {
        if (!result.Outcome.IsSuccess())
        {
            return result;
        }

        var label = Router.Label(step, result.Output, out var labelError);
        if (labelError is not null)
        {
            return new AttemptResult(AttemptOutcome.InvalidOutput, input, result.Output, labelError);
        }

        return AttemptResult.Success(input, result.Output, label);
    }

    /// <summary>
    /// Calls the executor on <paramref name="input"/> within <paramref name="timeout"/>, shapes and checks
    /// the output. Never throws, except on interruption. <paramref name="context"/> is the one the worker sees.
    /// Without a timeout, an executor that completes at once is finished here, synchronously.
    /// </summary>
    internal ValueTask<AttemptResult> CallWorkerAsync(RunSession session, WorkflowContext context, string stepId, TimeSpan? timeout, WorkerDefinition worker, JsonElement input, CancellationToken callerToken, CancellationToken runToken)
    {
        if (timeout is not null)
        {
            return CallWithTimeoutAsync(session, context, stepId, timeout.Value, worker, input, callerToken, runToken);
        }

        ValueTask<object?> pending;
        try
        {
            pending = worker.Executor(input, context, runToken);
        }
        catch (Exception ex)
        {
            if (Caught(ex, session, stepId, null, null, input, callerToken) is not { } failed)
            {
                throw;
            }

            return new ValueTask<AttemptResult>(failed);
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<AttemptResult>(Finish(session, context, worker, input, pending.Result))
            : AwaitCallAsync(session, context, stepId, worker, input, pending, callerToken, runToken);
    }

    /// <summary>The call's end when the executor did not complete at once (no timeout).</summary>
    private async ValueTask<AttemptResult> AwaitCallAsync(RunSession session, WorkflowContext context, string stepId, WorkerDefinition worker, JsonElement input, ValueTask<object?> pending, CancellationToken callerToken, CancellationToken runToken)
    {
        object? raw;
        try
        {
            // Honour cancellation even when the executor ignores its token.
            raw = await pending.AsTask().WaitAsync(runToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (Caught(ex, session, stepId, null, null, input, callerToken) is not { } failed)
            {
                throw;
            }

            return failed;
        }

        return Finish(session, context, worker, input, raw);
    }

    /// <summary>The call with a timeout of its own, linked to the run's token.</summary>
    private async ValueTask<AttemptResult> CallWithTimeoutAsync(RunSession session, WorkflowContext context, string stepId, TimeSpan timeout, WorkerDefinition worker, JsonElement input, CancellationToken callerToken, CancellationToken runToken)
    {
        object? raw;
        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runToken, timeoutSource.Token);
        var token = linked.Token;
        try
        {
            var pending = worker.Executor(input, context, token);
            raw = pending.IsCompletedSuccessfully
                ? pending.Result

                // Honour the timeout and cancellation even when the executor ignores its token.
                : await pending.AsTask().WaitAsync(token).ConfigureAwait(false);

            // An executor that blocked its thread past the timeout (it could not be stopped) returned a value
            // too late: the attempt timed out all the same, as it would have had it waited asynchronously.
            if (timeoutSource.IsCancellationRequested && !session.CancelRequested)
            {
                return AttemptResult.Failure(AttemptOutcome.TimedOut, input, $"step '{stepId}' timed out after {DurationText.Format(timeout)} (the worker blocked its thread and returned only after it)");
            }
        }
        catch (Exception ex)
        {
            if (Caught(ex, session, stepId, timeout, timeoutSource, input, callerToken) is not { } failed)
            {
                throw;
            }

            return failed;
        }

        return Finish(session, context, worker, input, raw);
    }

    /// <summary>
    /// What an exception from the executor (or from waiting for it) makes of the attempt; null when it must
    /// propagate (the caller's own cancellation, which interrupts the run rather than failing the attempt).
    /// </summary>
    private static AttemptResult? Caught(Exception ex, RunSession session, string stepId, TimeSpan? timeout, CancellationTokenSource? timeoutSource, JsonElement input, CancellationToken callerToken)
    {
        if (ex is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return null;
        }

        if (timeoutSource is { IsCancellationRequested: true } && !session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.TimedOut, input, $"step '{stepId}' timed out after {DurationText.Format(timeout!.Value)}");
        }

        if (session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.Cancelled, input, session.ControlReason ?? "cancelled");
        }

        return ex switch
        {
            ChildPausedException paused => AttemptResult.Failure(AttemptOutcome.Cancelled, input, paused.Message) with { Suspended = true },
            InvalidWorkerOutputException invalid => AttemptResult.Failure(AttemptOutcome.InvalidOutput, input, invalid.Message),
            _ => AttemptResult.Failure(AttemptOutcome.Failed, input, $"{ex.GetType().Name}: {ex.Message}"),
        };
    }

    /// <summary>The executor's value shaped, recorded as JSON and checked: the attempt's result.</summary>
    private static AttemptResult Finish(RunSession session, WorkflowContext context, WorkerDefinition worker, JsonElement input, object? raw)
    {
        if (session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.Cancelled, input, session.ControlReason ?? "cancelled");
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
        catch (Exception ex)
        {
            // Whatever the serializer throws (an unsupported type, a cycle, NaN or infinity, a property getter
            // that throws) fails the attempt as invalid output: it is recorded and routed, never thrown through the hub.
            return AttemptResult.Failure(AttemptOutcome.InvalidOutput, input, KeelJson.Unrecordable(ex, raw?.GetType() ?? typeof(object), KeelJson.Reflects));
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

        return AttemptResult.Success(input, output);
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
}
