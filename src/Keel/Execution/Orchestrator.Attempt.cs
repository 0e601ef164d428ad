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

    /// <summary>Runs one attempt of a step: builds the input, calls the executor, shapes and checks the output. Never throws, except on interruption.</summary>
    internal async ValueTask<AttemptResult> InvokeAsync(RunSession session, WorkflowStep step, WorkerDefinition worker, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        JsonElement input;
        try
        {
            var transformer = step.InputTransformer ?? worker.InputTransformer;
            input = transformer is null
                ? DefaultInput(context, step.StepId, session.Position.Visit)
                : KeelJson.Normalize(transformer(context));
        }
        catch (Exception ex)
        {
            return AttemptResult.Failure(AttemptOutcome.Failed, default, $"input transformer threw {ex.GetType().Name}: {ex.Message}");
        }

        var result = await CallWorkerAsync(session, context, step.StepId, step.Timeout, worker, input, callerToken, runToken).ConfigureAwait(false);
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
    /// </summary>
    internal async ValueTask<AttemptResult> CallWorkerAsync(RunSession session, WorkflowContext context, string stepId, TimeSpan? timeout, WorkerDefinition worker, JsonElement input, CancellationToken callerToken, CancellationToken runToken)
    {
        object? raw;
        CancellationTokenSource? timeoutSource = null;
        CancellationTokenSource? linked = null;
        try
        {
            var token = runToken;
            if (timeout is { } allowed)
            {
                timeoutSource = new CancellationTokenSource(allowed, _time);
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
            return AttemptResult.Failure(AttemptOutcome.TimedOut, input, $"step '{stepId}' timed out after {DurationText.Format(timeout!.Value)}");
        }
        catch (Exception) when (session.CancelRequested)
        {
            return AttemptResult.Failure(AttemptOutcome.Cancelled, input, session.ControlReason ?? "cancelled");
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
