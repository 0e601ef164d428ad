using System.Text.Json;

namespace Keel;

/// <summary>
/// Sub-workflow steps. Each attempt of such a step runs a child run of another registered workflow,
/// whose id is the attempt's idempotency key (<c>{run}:{step}:{visit}:{attempt}</c>): the attempt that runs
/// again after a crash finds its child and continues it rather than starting another. The child is an
/// ordinary run (its own history, step budget and pinned definition); its record names the parent run
/// (<see cref="RunRecord.ParentRunId"/>, <see cref="RunRecord.ParentStepId"/>) and the parent's entry
/// names the child (<see cref="HistoryEntry.ChildRunId"/>).
/// </summary>
public sealed partial class Orchestrator
{
    /// <summary>The worker a sub-workflow step's attempts call: it runs or continues the child run.</summary>
    private WorkerDefinition ChildWorker(WorkflowStep step)
        => new(WorkerType.Workflow, step.SubWorkflow ?? string.Empty, $"runs workflow '{step.SubWorkflow}' as a child run", (input, context, token) => RunChildAsync(step, input, context, token));

    /// <summary>The child run id of an attempt: its idempotency key.</summary>
    internal static string ChildRunId(string runId, string stepId, int visit, int attempt)
        => Execution.IdempotencyKeys.Format(runId, stepId, visit, attempt);

    private async ValueTask<object?> RunChildAsync(WorkflowStep step, JsonElement input, WorkflowContext context, CancellationToken cancellationToken)
    {
        // The parent's owner waits for this call to end before it lets the parent go (a timed-out attempt's child
        // is still being cancelled when the parent moves on, and may be its last step).
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _driver.Active(context.WorkflowId)?.TrackChildWork(done.Task);
        try
        {
            return await RunChildCoreAsync(step, input, context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async ValueTask<object?> RunChildCoreAsync(WorkflowStep step, JsonElement input, WorkflowContext context, CancellationToken cancellationToken)
    {
        var childId = context.Attempt.IdempotencyKey;
        var parent = _driver.Active(context.WorkflowId);
        var childName = step.SubWorkflow!;
        // The child is driven with the token of whoever drives the parent: an interruption of this process
        // interrupts both (both resume later). A cancellation of the parent or a timeout of the attempt
        // cancels the child instead, recorded in its history.
        var drive = parent?.CallerToken ?? cancellationToken;
        using var forward = parent is not null && _store is not null
            ? cancellationToken.Register(() =>
            {
                if (!parent.CallerToken.IsCancellationRequested)
                {
                    var why = parent.CancelRequested
                        ? parent.ControlReason ?? $"parent run '{context.WorkflowId}' was cancelled"
                        : $"step '{step.StepId}' of parent run '{context.WorkflowId}' timed out";
                    parent.TrackChildWork(CancelChildQuietlyAsync(childId, parent.ControlBy ?? context.WorkflowId, why));
                }
            })
            : default;
        var record = _store is null ? null : await _store.GetRunAsync(childId, drive).ConfigureAwait(false);
        if (record is not null && (!string.Equals(record.ParentRunId, context.WorkflowId, StringComparison.Ordinal) || !string.Equals(record.WorkflowName, childName, StringComparison.Ordinal)))
        {
            // A run of that id that this attempt did not start (a caller chose the id): never adopted as the child.
            throw new KeelException(
                $"run '{childId}' exists but is not the child of step '{step.StepId}' of run '{context.WorkflowId}' " +
                $"(it runs workflow '{record.WorkflowName}', parent {(record.ParentRunId is null ? "none" : $"'{record.ParentRunId}'")}): the child run was not started");
        }

        var result = record is null
            ? await StartChildAsync(childName, childId, input, context, parent, drive).ConfigureAwait(false)
            : await ContinueChildAsync(record, drive).ConfigureAwait(false);
        if (result.Usage is { } usage && result.State != WorkflowState.Paused)
        {
            // The child's model usage counts toward the parent's attempt (and its budget).
            context.ReportUsage(usage);
        }

        return result.State switch
        {
            WorkflowState.Completed => result.FinalOutput,
            WorkflowState.Paused => throw new ChildPausedException(childId),
            WorkflowState.WaitingForApproval => throw new KeelException($"child run '{childId}' of workflow '{childName}' waits for approval at '{result.CurrentStep}'; a sub-workflow cannot park its parent"),
            _ => throw new KeelException($"child run '{childId}' of workflow '{childName}' {StateName(result.State)} at '{result.CurrentStep}'" + (result.Error is null ? string.Empty : ": " + result.Error)),
        };
    }

    private async Task<WorkflowResult> StartChildAsync(string childName, string childId, JsonElement input, WorkflowContext context, RunSession? parent, CancellationToken cancellationToken)
    {
        var goal = input.ValueKind == JsonValueKind.String ? input.GetString() ?? string.Empty : KeelJson.ToText(input) ?? string.Empty;
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Data.Snapshot())
        {
            data[key] = value;
        }

        var used = context.TotalUsage;
        var options = new ExecuteOptions
        {
            RunId = childId,
            Data = data,
            Verbose = parent?.Verbose ?? false,
            MaxTokens = parent?.MaxTokens is { } tokens ? Math.Max(0, tokens - (used?.TotalTokens ?? 0)) : null,
            MaxCost = parent?.MaxCost is { } cost ? Math.Max(0, cost - (used?.Cost ?? 0)) : null,
            ParentRunId = context.WorkflowId,
        };
        var (record, session) = NewRun(childName, goal, options, pending: false);
        return await (record is null
            ? _driver.RunAsync(RunStart.FreshInMemory with { SharesSlot = true }, session, cancellationToken)
            : _driver.RunAsync(FreshStart(record, session) with { SharesSlot = true }, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Continues a child found in the store: resumed when nobody drives it, awaited when someone does.</summary>
    private async Task<WorkflowResult> ContinueChildAsync(RunRecord record, CancellationToken cancellationToken)
    {
        var store = _store!;
        while (true)
        {
            switch (record.State)
            {
                case WorkflowState.Paused:
                    // The parent runs again, so its child does (a pause reaches both; so does the resume).
                    await UnpauseAsync(record.RunId, "parent", cancellationToken).ConfigureAwait(false);
                    break;
                case WorkflowState.Running or WorkflowState.Pending:
                    try
                    {
                        var (compiled, workers) = Pinned(record, allowChange: false);
                        return await _driver.RunAsync(
                            new RunStart { Kind = StartKind.Resume, RunId = record.RunId, Workflow = compiled, Workers = workers, Record = record, SharesSlot = true },
                            cancellationToken).ConfigureAwait(false);
                    }
                    catch (RunOwnedElsewhereException)
                    {
                        // Driven by a worker loop (here or elsewhere): wait for it to stop.
                        await store.WaitForEventsAsync(record.RunId, record.LastEventSequence, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    }

                    break;
                default:
                    return await StoredResultAsync(record, cancellationToken).ConfigureAwait(false);
            }

            record = await store.GetRunAsync(record.RunId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(record.RunId);
        }
    }

    private async Task CancelChildQuietlyAsync(string childId, string by, string why)
    {
        try
        {
            if (await _store!.GetRunAsync(childId, CancellationToken.None).ConfigureAwait(false) is { } child && !WorkflowStates.Ended.Contains(child.State))
            {
                await CancelAsync(childId, by, why, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (KeelException)
        {
            // Ended meanwhile: nothing to cancel.
        }
    }

    /// <summary>
    /// The child run the stored run's current attempt runs, when its current step is a sub-workflow step
    /// and the child exists and has not ended; else null.
    /// </summary>
    private async Task<RunRecord?> ActiveChildAsync(string runId, CancellationToken cancellationToken)
    {
        var record = await _store!.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is null || WorkflowStates.Ended.Contains(record.State))
        {
            return null;
        }

        WorkflowStep? step;
        try
        {
            step = _workflows.TryGetValue(record.WorkflowName, out var registration) && registration.Compiled.Hash == record.DefinitionHash
                ? registration.Compiled.Definition.GetStep(record.CurrentStep)
                : WorkflowDefinitionJson.Deserialize(record.DefinitionJson).GetStep(record.CurrentStep);
        }
        catch (Exception ex) when (ex is KeelException or JsonException)
        {
            return null;
        }

        if (step?.Kind != StepKind.SubWorkflow)
        {
            return null;
        }

        var child = await _store.GetRunAsync(ChildRunId(runId, step.StepId, record.Visit, record.Attempt), cancellationToken).ConfigureAwait(false);
        return child is null || WorkflowStates.Ended.Contains(child.State) ? null : child;
    }

    /// <summary>
    /// Registration checks across workflows: every sub-workflow step names a registered workflow, and no
    /// workflow includes itself, directly or through others.
    /// </summary>
    private static void CheckSubWorkflows(CompiledWorkflow compiled, Dictionary<string, Registration> registered)
    {
        var problems = new List<ValidationProblem>();
        foreach (var step in compiled.Steps)
        {
            if (step.Kind != StepKind.SubWorkflow || string.IsNullOrWhiteSpace(step.SubWorkflow))
            {
                continue;
            }

            if (!registered.ContainsKey(step.SubWorkflow) && !string.Equals(step.SubWorkflow, compiled.Name, StringComparison.Ordinal))
            {
                problems.Add(new(compiled.Name, step.StepId, "sub_workflow", $"names workflow '{step.SubWorkflow}', which is not registered (register it first; registered: {string.Join(", ", registered.Keys.Order(StringComparer.Ordinal))})"));
                continue;
            }

            if (IncludePath(step.SubWorkflow, compiled.Name, registered, []) is { } path)
            {
                problems.Add(new(compiled.Name, step.StepId, "sub_workflow", $"the workflow includes itself ({string.Join(" -> ", [compiled.Name, .. path])}): a run would never end"));
            }

            if (registered.TryGetValue(step.SubWorkflow, out var child) && child.Compiled.HasApprovalSteps)
            {
                problems.Add(new(compiled.Name, step.StepId, "sub_workflow", $"workflow '{step.SubWorkflow}' has approval steps: a child run cannot park its parent"));
            }
        }

        if (problems.Count > 0)
        {
            throw new WorkflowValidationException(compiled.Name, problems);
        }
    }

    /// <summary>The chain of workflows from <paramref name="from"/> that reaches <paramref name="target"/>, or null.</summary>
    private static List<string>? IncludePath(string from, string target, Dictionary<string, Registration> registered, HashSet<string> seen)
    {
        if (string.Equals(from, target, StringComparison.Ordinal))
        {
            return [from];
        }

        if (!seen.Add(from) || !registered.TryGetValue(from, out var registration))
        {
            return null;
        }

        foreach (var step in registration.Compiled.Steps)
        {
            if (step.Kind == StepKind.SubWorkflow && step.SubWorkflow is { } next && IncludePath(next, target, registered, seen) is { } path)
            {
                return [from, .. path];
            }
        }

        return null;
    }
}

/// <summary>Thrown by a sub-workflow step's worker when its child run paused: the parent pauses too, recording no attempt.</summary>
internal sealed class ChildPausedException(string childRunId) : Exception($"child run '{childRunId}' is paused")
{
}
