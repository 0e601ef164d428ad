using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>
    /// Continues a stored run from its last committed attempt (or a pending run from its start). The attempt
    /// that was in flight when the run stopped runs again with the same idempotency key. A run that already
    /// ended (or waits for approval, or is paused) is returned as stored. Throws <see cref="RunNotFoundException"/>,
    /// <see cref="RunOwnedElsewhereException"/> or <see cref="DefinitionChangedException"/>.
    /// </summary>
    public async Task<WorkflowResult> ResumeAsync(string runId, ResumeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        options ??= new ResumeOptions();
        var store = RequireStore("Resuming a run");
        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State != WorkflowState.Running && record.State != WorkflowState.Pending)
        {
            return await StoredResultAsync(record, cancellationToken).ConfigureAwait(false);
        }

        var (compiled, workers) = Pinned(record, options.AllowDefinitionChange);
        var logger = LoggerFor(options.Verbose);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.RunResumed(logger, runId, record.CurrentStep, record.Visit, record.Attempt);
        }

        return await _driver.RunAsync(
            new RunStart
            {
                Kind = StartKind.Resume,
                RunId = runId,
                Workflow = compiled,
                Workers = workers,
                Verbose = options.Verbose,
                Record = record,
                MaxTokens = options.MaxTokens,
                MaxCost = options.MaxCost,
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drives every stored run nobody drives (pending, or running with its lease expired or held by a
    /// process of this machine that is gone), never claiming more than this orchestrator's free capacity,
    /// until none is left; returns their results. Runs whose definition changed are left alone and logged
    /// (see <see cref="ListBlockedRunsAsync"/>). A host that should keep doing this runs a worker loop.
    /// </summary>
    public async Task<IReadOnlyList<WorkflowResult>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        RequireStore("Recovering runs");
        await WarnBlockedAsync(cancellationToken).ConfigureAwait(false);
        return await RunWorkerLoopCoreAsync(new WorkerLoopOptions { StopWhenIdle = true }, collect: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approves the approval step the run waits at, records the decision and continues along on_success.</summary>
    public Task<WorkflowResult> ApproveAsync(string runId, string stepId, string? by = null, string? comment = null, CancellationToken cancellationToken = default)
        => DecideAsync(runId, stepId, approved: true, by, comment, cancellationToken);

    /// <summary>Rejects the approval step the run waits at, records the decision and continues along on_failure.</summary>
    public Task<WorkflowResult> RejectAsync(string runId, string stepId, string? by = null, string? comment = null, CancellationToken cancellationToken = default)
        => DecideAsync(runId, stepId, approved: false, by, comment, cancellationToken);

    /// <summary>
    /// Records the decision under the run's lease. With a worker loop running in this orchestrator the
    /// rest of the run is left to it (the result shows the run running); otherwise the decision's caller drives it.
    /// </summary>
    private async Task<WorkflowResult> DecideAsync(string runId, string stepId, bool approved, string? by, string? comment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(stepId);
        var store = RequireStore("Approving a run");
        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        var (compiled, workers) = Pinned(Decidable(record), allowChange: false);
        var who = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
        var drive = !WorkerLoopRunning && _options.DriveDecisions;
        return (await RunWhenLetGoAsync(
            record,
            run => new RunStart
            {
                Kind = StartKind.Decision,
                RunId = runId,
                Workflow = compiled,
                Workers = workers,
                Record = Decidable(run),
                StepId = stepId,
                Approved = approved,
                By = who,
                Reason = comment,
                Drive = drive,
            },
            cancellationToken).ConfigureAwait(false))!;

        RunRecord Decidable(RunRecord run)
            => run.State == WorkflowState.WaitingForApproval && string.Equals(run.CurrentStep, stepId, StringComparison.Ordinal)
                ? run
                : throw new KeelException($"Run '{runId}' is not waiting for approval at step '{stepId}' (it is {StateName(run.State)} at '{run.CurrentStep}'): the decision was not recorded.");
    }

    /// <summary>
    /// Runs what <paramref name="start"/> builds from the stored run (null: nothing to do). When the run is
    /// owned in this process by an owner that has made its last commit (a park or a pause gives the lease
    /// back with it) but has not let go of the run yet, that owner's end is awaited and the run, as it then
    /// stands, is given to <paramref name="start"/> again: a decision or an unpause made in that moment is
    /// made, not refused as owned elsewhere. A run whose lease is held (a decision or a drive in flight here)
    /// is refused at once, as before.
    /// </summary>
    private async Task<WorkflowResult?> RunWhenLetGoAsync(RunRecord record, Func<RunRecord, RunStart?> start, CancellationToken cancellationToken)
    {
        var runId = record.RunId;
        var refusals = 0;
        while (start(record) is { } next)
        {
            try
            {
                return await _driver.RunAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (RunOwnedElsewhereException) when (++refusals <= MaxLetGoWaits && LettingGo(runId) is { } ended)
            {
                // A lease still held means someone here is deciding or driving it: owned indeed, refused at once.
                record = await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
                if (start(record) is null)
                {
                    return null;
                }

                if (record.LeaseOwner is not null && record.LeaseExpires > _store!.Clock.GetUtcNow())
                {
                    throw;
                }

                await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
                record = await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>Refusals <see cref="RunWhenLetGoAsync"/> waits out before it passes the next one on (each follows an owner's end).</summary>
    private const int MaxLetGoWaits = 8;

    /// <summary>
    /// When a refusal of the run as owned may be only a moment's: the end of the owner here that has made its
    /// last commit, or a completed task when no owner here holds it any more (it let go between the refusal
    /// and now; the stored lease then says whether another process does). Null while an owner here is opening
    /// or driving it.
    /// </summary>
    private Task? LettingGo(string runId)
        => _driver.Active(runId)?.Ended?.Task ?? (_driver.Owns(runId) ? null : Task.CompletedTask);

    /// <summary>
    /// Cancels a run, recorded in its history. A run executing in this process stops at its attempt in
    /// flight (recorded as cancelled); a run nobody drives (pending, interrupted, waiting, paused) is
    /// marked cancelled at once; a run another process drives gets a durable request that its owner
    /// honours at its next heartbeat or commit (the result then shows it as it stands).
    /// </summary>
    public async Task<WorkflowResult> CancelAsync(string runId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var store = RequireStore("Cancelling a run");
        var who = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
        var why = reason ?? $"cancelled by {who}";
        // A cancellation reaches the child run the current attempt runs (and, through it, the child's children).
        var child = await ActiveChildAsync(runId, cancellationToken).ConfigureAwait(false);
        if (_driver.Active(runId) is { } active)
        {
            active.ControlBy = who;
            active.ControlReason = why;
            active.Control = RunControl.Cancel;
            await active.CancelSource!.CancelAsync().ConfigureAwait(false);
            await active.Ended!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (child is not null)
            {
                await CancelChildQuietlyAsync(child.RunId, who, why).ConfigureAwait(false);
                child = null;
            }

            var stopped = await GetResultAsync(runId, cancellationToken).ConfigureAwait(false);
            if (stopped.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
            {
                return stopped;
            }

            // The owner let go before it saw the request (it had just parked the run, paused it or been
            // interrupted): the run is cancelled where it stands, as a run nobody drives is.
        }

        if (child is not null)
        {
            await CancelChildQuietlyAsync(child.RunId, who, why).ConfigureAwait(false);
        }

        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
        {
            throw new KeelException($"Run '{runId}' has already ended ({StateName(record.State)}); there is nothing to cancel.");
        }

        if (!await store.RequestAsync(new RunRequest { RunId = runId, Control = RunControl.Cancel, By = who, Reason = why }, cancellationToken).ConfigureAwait(false))
        {
            return await GetResultAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        await TryControlAsync(record, StartKind.Cancel, who, why, cancellationToken).ConfigureAwait(false);
        return await GetResultAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a control request at once when nobody drives the run (this process takes its lease for the
    /// write, also from a process of this machine that is gone); when its owner holds a live lease, the durable
    /// request is left for the owner to honour.
    /// </summary>
    private async Task TryControlAsync(RunRecord record, StartKind kind, string by, string? reason, CancellationToken cancellationToken)
    {
        if (_driver.Owns(record.RunId)
            || (record.LeaseOwner is not null && record.LeaseOwner != _options.OwnerId && record.LeaseExpires > _store!.Clock.GetUtcNow() && !OwnerIds.IsGone(record.LeaseOwner)))
        {
            return;
        }

        var (compiled, workers) = Pinned(record, allowChange: true);
        try
        {
            await _driver.RunAsync(
                new RunStart { Kind = kind, RunId = record.RunId, Workflow = compiled, Workers = workers, Record = record, By = by, Reason = reason, Drive = false },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException)
        {
            // Claimed meanwhile: its new owner honours the durable request.
        }
    }

    /// <summary>The stored run; throws <see cref="RunNotFoundException"/> when there is none.</summary>
    public async Task<RunRecord> GetRunAsync(string runId, CancellationToken cancellationToken = default)
        => await RequireStore("Reading a run").GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);

    /// <summary>The stored run as a result, with its whole history.</summary>
    public async Task<WorkflowResult> GetResultAsync(string runId, CancellationToken cancellationToken = default)
        => await StoredResultAsync(await GetRunAsync(runId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Stored runs matching <paramref name="query"/>, newest first.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery? query = null, CancellationToken cancellationToken = default)
        => await RequireStore("Listing runs").ListRunsAsync(query ?? new RunQuery(), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Deletes stored runs that ended (completed, failed, cancelled) and were last updated before
    /// <paramref name="olderThan"/> (one transaction); returns what was deleted, with sizes. Runs that are
    /// pending, running, paused or waiting are kept however old: another process may be driving them.
    /// </summary>
    public Task<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
        => DeleteRunsAsync(olderThan, WorkflowStates.Ended, cancellationToken);

    /// <summary>Deletes stored runs in one of <paramref name="states"/> last updated before <paramref name="olderThan"/> (one transaction); returns what was deleted.</summary>
    public async Task<IReadOnlyList<RunRecord>> DeleteRunsAsync(DateTimeOffset olderThan, IReadOnlyCollection<WorkflowState> states, CancellationToken cancellationToken = default)
        => await RequireStore("Deleting runs").DeleteRunsAsync(olderThan, states, cancellationToken).ConfigureAwait(false);

    private async Task<WorkflowResult> StoredResultAsync(RunRecord record, CancellationToken cancellationToken)
    {
        var history = await _store!.GetHistoryAsync(record.RunId, cancellationToken).ConfigureAwait(false);
        JsonElement? last = null;
        TokenUsage? usage = null;
        foreach (var entry in history)
        {
            if (entry.Outcome == AttemptOutcome.Succeeded)
            {
                last = entry.Output;
            }

            if (entry.Usage is { } u)
            {
                usage = usage is null ? u : usage.Add(u);
            }
        }

        string? prompt = null;
        if (record.State == WorkflowState.WaitingForApproval)
        {
            try
            {
                prompt = WorkflowDefinitionJson.Deserialize(record.DefinitionJson).GetStep(record.CurrentStep)?.Prompt;
            }
            catch (JsonException)
            {
                prompt = null;
            }
        }

        return new WorkflowResult(record.RunId, record.WorkflowName, record.State, record.CurrentStep, last, record.Error, history, record.Data, usage, prompt);
    }

    /// <summary>The definition a stored run continues on: the registered one when it matches the pin (or a change is allowed), else the stored one.</summary>
    private (CompiledWorkflow Compiled, WorkerDefinition?[] Workers) Pinned(RunRecord record, bool allowChange)
    {
        if (_workflows.TryGetValue(record.WorkflowName, out var registration))
        {
            if (registration.Compiled.Hash != record.DefinitionHash && !allowChange)
            {
                throw new DefinitionChangedException(record.RunId, record.WorkflowName, record.DefinitionHash, registration.Compiled.Hash);
            }

            return (registration.Compiled, ResolveWorkers(registration));
        }

        // Not registered here: run the definition the run is pinned to, with the registered workers.
        var stored = new Registration(CompiledWorkflow.Compile(WorkflowDefinitionJson.Deserialize(record.DefinitionJson)));
        return (stored.Compiled, ResolveWorkers(stored));
    }
}
