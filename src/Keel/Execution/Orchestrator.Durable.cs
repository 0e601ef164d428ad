using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    /// <summary>
    /// Continues a stored run from its last committed attempt. The attempt that was in flight when the
    /// run stopped runs again with the same idempotency key. A run that already ended (or waits for
    /// approval) is returned as stored. Throws <see cref="RunNotFoundException"/>,
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
        var session = await ClaimAsync(record, compiled, workers, options.Verbose, cancellationToken).ConfigureAwait(false);
        session.MaxTokens = options.MaxTokens ?? session.MaxTokens;
        session.MaxCost = options.MaxCost ?? session.MaxCost;
        if (session.Logger.IsEnabled(LogLevel.Information))
        {
            Log.RunResumed(session.Logger, runId, record.CurrentStep, record.Visit, record.Attempt);
        }

        return await DriveClaimedAsync(session, resumed: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes every stored run that was running when its process stopped (its lease free or expired).</summary>
    public async Task<IReadOnlyList<WorkflowResult>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var store = RequireStore("Recovering runs");
        var runs = await store.ListRunsAsync(
            new RunQuery { State = WorkflowState.Running, LeaseFreeAt = _time.GetUtcNow(), Limit = int.MaxValue },
            cancellationToken).ConfigureAwait(false);
        if (runs.Count > 0)
        {
            Log.Recovering(_logger, runs.Count);
        }

        var tasks = new List<Task<WorkflowResult?>>(runs.Count);
        foreach (var run in runs)
        {
            tasks.Add(TryResumeAsync(run.RunId, cancellationToken));
        }

        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return results.Where(r => r is not null).Select(r => r!).ToArray();
    }

    private async Task<WorkflowResult?> TryResumeAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            return await ResumeAsync(runId, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException)
        {
            return null;
        }
        catch (KeelException ex)
        {
            _logger.LogWarning(ex, "Run {RunId} was not recovered: {Message}", runId, ex.Message);
            return null;
        }
    }

    /// <summary>Approves the approval step the run waits at, records the decision and continues along on_success.</summary>
    public Task<WorkflowResult> ApproveAsync(string runId, string stepId, string? by = null, string? comment = null, CancellationToken cancellationToken = default)
        => DecideAsync(runId, stepId, approved: true, by, comment, cancellationToken);

    /// <summary>Rejects the approval step the run waits at, records the decision and continues along on_failure.</summary>
    public Task<WorkflowResult> RejectAsync(string runId, string stepId, string? by = null, string? comment = null, CancellationToken cancellationToken = default)
        => DecideAsync(runId, stepId, approved: false, by, comment, cancellationToken);

    private async Task<WorkflowResult> DecideAsync(string runId, string stepId, bool approved, string? by, string? comment, CancellationToken cancellationToken)
    {
        var store = RequireStore("Approving a run");
        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State != WorkflowState.WaitingForApproval || !string.Equals(record.CurrentStep, stepId, StringComparison.Ordinal))
        {
            throw new KeelException($"Run '{runId}' is not waiting for approval at step '{stepId}' (it is {StateName(record.State)} at '{record.CurrentStep}').");
        }

        var (compiled, workers) = Pinned(record, allowChange: false);
        var session = await ClaimAsync(record, compiled, workers, verbose: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var step = compiled.Steps[session.StepIndex];
            var decider = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
            var now = _time.GetUtcNow();
            var context = session.Context;
            var outcome = approved ? AttemptOutcome.Approved : AttemptOutcome.Rejected;
            var target = Router.Next(compiled, session.StepIndex, outcome, attempt: 1, session.StepsTaken, out _, out var blocked);
            string? runError = null;
            if (blocked != int.MinValue)
            {
                runError = Router.BudgetSpent(compiled, blocked, stepId);
            }
            else if (target == CompiledWorkflow.FailedIndex)
            {
                runError = $"step '{stepId}' was rejected by {decider}" + (string.IsNullOrWhiteSpace(comment) ? string.Empty : ": " + comment);
            }

            var entry = new HistoryEntry
            {
                RunId = runId,
                Sequence = context.MutableHistory.Count,
                StepId = stepId,
                WorkerType = step.WorkerType,
                WorkerName = decider,
                Visit = session.Visit,
                Attempt = 1,
                Outcome = outcome,
                Input = KeelJson.Normalize(step.Prompt),
                Output = KeelJson.Normalize(new ApprovalDecision(approved ? "approved" : "rejected", decider, comment)),
                Error = approved ? null : comment ?? "rejected",
                Timestamp = now,
                Duration = TimeSpan.Zero,
                NextStep = compiled.TargetName(target),
            };
            context.MutableHistory.Add(entry);
            context.State = WorkflowState.Running;
            MoveTo(session, target, retry: false, runError);
            await CommitAsync(session, entry, dataChanged: false).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseClaimAsync(session).ConfigureAwait(false);
            throw;
        }

        return await DriveClaimedAsync(session, resumed: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels a run, recorded in its history: a run executing in this process stops at its attempt in
    /// flight (recorded as cancelled); a stored run that is interrupted or waiting is marked cancelled.
    /// </summary>
    public async Task<WorkflowResult> CancelAsync(string runId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        var store = RequireStore("Cancelling a run");
        var who = string.IsNullOrWhiteSpace(by) ? "unknown" : by;
        var why = reason ?? $"cancelled by {who}";
        if (_active.TryGetValue(runId, out var active))
        {
            active.CancelledBy = who;
            active.CancelReason = why;
            active.CancelRequested = true;
            await active.CancelSource!.CancelAsync().ConfigureAwait(false);
            await active.Ended!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await GetResultAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        var record = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        if (record.State is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled)
        {
            throw new KeelException($"Run '{runId}' has already ended ({StateName(record.State)}); there is nothing to cancel.");
        }

        var (compiled, workers) = Pinned(record, allowChange: true);
        var session = await ClaimAsync(record, compiled, workers, verbose: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var step = session.StepIndex >= 0 ? compiled.Steps[session.StepIndex] : null;
            await RecordCancellationAsync(session, record.CurrentStep, step?.WorkerType ?? new WorkerType("none"), who, why).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseClaimAsync(session).ConfigureAwait(false);
        }

        return await GetResultAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a new run from committed attempt <paramref name="sequence"/> of an earlier run: the history
    /// before it is copied (not paid for again), the data bus is as it was then, and the attempt at
    /// <paramref name="sequence"/> runs again on the currently registered workers and definition.
    /// </summary>
    public async Task<WorkflowResult> ForkAsync(string runId, int sequence, IReadOnlyDictionary<string, object?>? data = null, bool verbose = false, CancellationToken cancellationToken = default)
    {
        var store = RequireStore("Forking a run");
        var parent = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        var history = await store.GetHistoryAsync(runId, cancellationToken).ConfigureAwait(false);
        if (sequence < 0 || sequence >= history.Count)
        {
            throw new KeelException($"Run '{runId}' has no committed attempt #{sequence} (it has {history.Count}, numbered from 0).");
        }

        var registration = _workflows.TryGetValue(parent.WorkflowName, out var found) ? found : null;
        var compiled = registration?.Compiled ?? CompiledWorkflow.Compile(WorkflowDefinitionJson.Deserialize(parent.DefinitionJson));
        var workers = registration is not null ? ResolveWorkers(registration) : ResolveWorkers(new Registration(compiled));
        var at = history[sequence];
        if (compiled.TryIndexOf(at.StepId) < 0)
        {
            throw new KeelException($"Cannot fork run '{runId}' at #{sequence}: step '{at.StepId}' is not in the registered definition of workflow '{compiled.Name}'.");
        }

        var newId = _options.RunIdFactory();
        var prefix = new HistoryEntry[sequence];
        var bus = new DataBus(parent.InitialData);
        var visits = new HashSet<(string, int)>();
        for (var i = 0; i < sequence; i++)
        {
            prefix[i] = history[i] with { RunId = newId };
            visits.Add((history[i].StepId, history[i].Visit));
            if (history[i].Data is { } snapshot)
            {
                bus = new DataBus(snapshot);
            }
        }

        visits.Add((at.StepId, at.Visit));
        if (data is not null)
        {
            foreach (var pair in data)
            {
                bus.Set(pair.Key, pair.Value);
            }
        }

        var now = _time.GetUtcNow();
        var snapshotNow = bus.Snapshot();
        var record = new RunRecord
        {
            RunId = newId,
            WorkflowName = compiled.Name,
            Goal = parent.Goal,
            State = WorkflowState.Running,
            CurrentStep = at.StepId,
            Visit = at.Visit,
            Attempt = at.Attempt,
            StepsTaken = visits.Count,
            Data = snapshotNow,
            InitialData = parent.InitialData,
            DefinitionJson = compiled.Json,
            DefinitionHash = compiled.Hash,
            CreatedAt = now,
            UpdatedAt = now,
            ParentRunId = runId,
            ParentSequence = sequence,
            LeaseOwner = _options.OwnerId,
            LeaseExpires = now + _options.LeaseDuration,
            Fence = 1,
            MaxTokens = parent.MaxTokens,
            MaxCost = parent.MaxCost,
        };
        await store.CreateRunAsync(record, prefix, cancellationToken).ConfigureAwait(false);
        _claims.TryAdd(newId, 0);
        var session = await LoadSessionAsync(record, compiled, workers, verbose, fence: 1, cancellationToken).ConfigureAwait(false);
        return await DriveClaimedAsync(session, resumed: false, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Claims a stored run for this process: in-process first, then the store's lease.</summary>
    private async Task<RunSession> ClaimAsync(RunRecord record, CompiledWorkflow compiled, WorkerDefinition?[] workers, bool verbose, CancellationToken cancellationToken)
    {
        if (!_claims.TryAdd(record.RunId, 0))
        {
            throw new RunOwnedElsewhereException(record.RunId, _options.OwnerId, null);
        }

        try
        {
            var fence = await _store!.TryAcquireLeaseAsync(record.RunId, _options.OwnerId, _time.GetUtcNow(), _options.LeaseDuration, cancellationToken).ConfigureAwait(false)
                ?? throw new RunOwnedElsewhereException(record.RunId, record.LeaseOwner, record.LeaseExpires);

            // Read again under the lease: the position may have moved since the first read.
            var current = await _store.GetRunAsync(record.RunId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(record.RunId);
            return await LoadSessionAsync(current, compiled, workers, verbose, fence, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _claims.TryRemove(record.RunId, out _);
            throw;
        }
    }

    private async ValueTask ReleaseClaimAsync(RunSession session)
    {
        try
        {
            if (session.LeaseReleased)
            {
                return;
            }

            await _store!.ReleaseLeaseAsync(session.RunId, _options.OwnerId, session.Fence, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _claims.TryRemove(session.RunId, out _);
        }
    }

    private async Task<WorkflowResult> DriveClaimedAsync(RunSession session, bool resumed, CancellationToken cancellationToken)
    {
        if (_concurrency is not null)
        {
            await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await DriveAsync(session, resumed, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _concurrency?.Release();
        }
    }

    private async Task<RunSession> LoadSessionAsync(RunRecord record, CompiledWorkflow compiled, WorkerDefinition?[] workers, bool verbose, long fence, CancellationToken cancellationToken)
    {
        var history = await _store!.GetHistoryAsync(record.RunId, cancellationToken).ConfigureAwait(false);
        var context = new WorkflowContext(record.RunId, compiled.Name, record.Goal, new DataBus(record.Data), new List<HistoryEntry>(history), _services);
        var session = new RunSession(compiled, workers, context, LoggerFor(verbose), verbose)
        {
            Fence = fence,
            StepsTaken = record.StepsTaken,
            Visit = record.Visit,
            Attempt = record.Attempt,
            Error = record.Error,
            MaxTokens = record.MaxTokens,
            MaxCost = record.MaxCost,
        };
        TokenUsage? usage = null;
        foreach (var entry in history)
        {
            var index = compiled.TryIndexOf(entry.StepId);
            if (index >= 0 && entry.Visit > session.Visits[index])
            {
                session.Visits[index] = entry.Visit;
            }

            if (entry.Usage is { } u)
            {
                usage = usage is null ? u : usage.Add(u);
            }
        }

        context.TotalUsage = usage;
        session.StepIndex = compiled.TryIndexOf(record.CurrentStep);
        if (session.StepIndex == int.MinValue)
        {
            throw new KeelException($"Run '{record.RunId}' is at step '{record.CurrentStep}', which workflow '{compiled.Name}' does not have.");
        }

        if (session.StepIndex >= 0)
        {
            session.Visits[session.StepIndex] = record.Visit;
            context.Attempt = new AttemptInfo(record.RunId, record.CurrentStep, record.Visit, record.Attempt, null, null);
        }

        context.State = record.State == WorkflowState.Pending ? WorkflowState.Running : record.State;
        context.CurrentStep = record.CurrentStep;
        session.CommittedDataVersion = context.Data.Version;
        return session;
    }

    private sealed record ApprovalDecision(string Decision, string By, string? Comment);
}
