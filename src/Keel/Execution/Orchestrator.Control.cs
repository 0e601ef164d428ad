using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    internal RunEventListener[] Listeners => _listeners;

    /// <summary>
    /// Pauses a run: it is driven by no one until <see cref="UnpauseAsync"/>. An attempt in flight finishes
    /// and is recorded first. A run nobody drives is paused at once; a run another process drives gets a
    /// durable request that its owner honours at its next heartbeat or commit. Throws
    /// <see cref="KeelException"/> for a run that has ended or waits for approval.
    /// </summary>
    public async Task<RunRecord> PauseAsync(string runId, string? by = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var store = RequireStore("Pausing a run");
        var who = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State is not (WorkflowState.Pending or WorkflowState.Running or WorkflowState.Paused))
        {
            throw new KeelException($"Run '{runId}' cannot be paused: it is {StateName(record.State)}.");
        }

        if (record.State == WorkflowState.Paused)
        {
            return record;
        }

        await store.RequestAsync(new RunRequest { RunId = runId, Control = RunControl.Pause, By = who }, cancellationToken).ConfigureAwait(false);
        if (_driver.Active(runId) is { } active && active.Control == RunControl.None)
        {
            active.ControlBy = who;
            active.Control = RunControl.Pause;
        }
        else
        {
            await TryControlAsync(record, StartKind.Pause, who, null, cancellationToken).ConfigureAwait(false);
        }

        // A pause reaches the child run the current attempt runs: the child pauses after its attempt in
        // flight, and the parent then pauses without recording the attempt (it runs again on resume).
        if (await ActiveChildAsync(runId, cancellationToken).ConfigureAwait(false) is { State: not WorkflowState.Paused } child)
        {
            await PauseAsync(child.RunId, who, cancellationToken).ConfigureAwait(false);
        }

        return await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Resumes a paused run: it becomes pending, for a worker loop to claim (or for <see cref="ResumeAsync"/>
    /// to drive). A pause still waiting for its owner is withdrawn. Returns the run as it stands. Throws
    /// <see cref="KeelException"/> for a run that has ended, as <see cref="PauseAsync"/> does.
    /// </summary>
    public async Task<RunRecord> UnpauseAsync(string runId, string? by = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var store = RequireStore("Resuming a paused run");
        var who = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State.IsEnded())
        {
            throw new KeelException($"Run '{runId}' cannot be unpaused: it is {StateName(record.State)}.");
        }
        if (record.Control == RunControl.Pause)
        {
            await store.RequestAsync(new RunRequest { RunId = runId, Control = RunControl.None, By = who }, cancellationToken).ConfigureAwait(false);
            if (_driver.Active(runId) is { Control: RunControl.Pause } active)
            {
                active.Control = RunControl.None;
            }
        }

        if (record.State == WorkflowState.Paused)
        {
            var (compiled, workers) = Pinned(record, allowChange: true);
            await RunWhenLetGoAsync(
                record,
                run => run.State == WorkflowState.Paused
                    ? new RunStart { Kind = StartKind.Unpause, RunId = runId, Workflow = compiled, Workers = workers, Record = run, By = who, Drive = false }
                    : null,
                cancellationToken).ConfigureAwait(false);
            WakeWorkerLoops();
        }

        return await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The run's events after <paramref name="afterSequence"/>, then each new one as it is committed (by
    /// this process or any other sharing the store), until the run ends. Reconnect with the last
    /// sequence seen: no gap, no duplicate.
    /// </summary>
    public IAsyncEnumerable<RunEvent> WatchAsync(string runId, long afterSequence = 0, CancellationToken cancellationToken = default)
        => RequireStore("Watching a run").WatchAsync(runId, afterSequence, null, cancellationToken);

    /// <summary>
    /// Runs nobody can drive because their workflow's registered definition changed since they started
    /// (pending or running, lease free or expired). For each, choose: <see cref="ResumeAsync"/> with
    /// <see cref="ResumeOptions.AllowDefinitionChange"/> to continue on the new definition, or <see cref="CancelAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<BlockedRun>> ListBlockedRunsAsync(CancellationToken cancellationToken = default)
    {
        var store = RequireStore("Listing blocked runs");
        var now = store.Clock.GetUtcNow();
        var blocked = new List<BlockedRun>();
        foreach (var state in (WorkflowState[])[WorkflowState.Running, WorkflowState.Pending])
        {
            var runs = await store.ListRunsAsync(new RunQuery { State = state, LeaseFreeAt = now, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
            foreach (var run in runs)
            {
                if (_workflows.TryGetValue(run.WorkflowName, out var registration) && registration.Compiled.Hash != run.DefinitionHash)
                {
                    blocked.Add(new BlockedRun(run, registration.Compiled.Hash));
                }
            }
        }

        return blocked;
    }

    private async Task WarnBlockedAsync(CancellationToken cancellationToken)
    {
        foreach (var run in await ListBlockedRunsAsync(cancellationToken).ConfigureAwait(false))
        {
            Log.RunBlocked(_logger, run.Run.RunId, run.Run.WorkflowName, run.Run.DefinitionHash[..12], run.RegisteredHash[..12]);
        }
    }
}

/// <summary>
/// A run blocked by a changed definition: it is pinned to <see cref="RunRecord.DefinitionHash"/> but its
/// workflow is now registered as <see cref="RegisteredHash"/>. Resume it on the new definition, or cancel it.
/// </summary>
public sealed record BlockedRun(RunRecord Run, string RegisteredHash);
