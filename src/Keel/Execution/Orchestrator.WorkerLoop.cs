using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

public sealed partial class Orchestrator
{
    private int _workerLoops;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True while a worker loop runs in this orchestrator: decisions then leave driving to it.</summary>
    internal bool WorkerLoopRunning => Volatile.Read(ref _workerLoops) > 0;

    /// <summary>
    /// Claims runs nobody drives (pending runs, and runs whose owner's lease expired or whose process on
    /// this machine is gone) up to this orchestrator's free capacity, drives them, and keeps claiming until
    /// <paramref name="cancellationToken"/> is cancelled (then the runs it drives are interrupted and stay
    /// resumable). The hosted form is <c>AddKeel(k => k.AddWorkerLoop())</c>; the CLI's is <c>keel worker</c>.
    /// </summary>
    public async Task RunWorkerLoopAsync(WorkerLoopOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequireStore("A worker loop");
        try
        {
            // Runs blocked by a changed definition are never claimed: said once, as a warning, when the loop starts.
            try
            {
                await WarnBlockedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A store that fails now is reported by the loop's claims, which retry it.
            }

            await RunWorkerLoopCoreAsync(options ?? new WorkerLoopOptions(), collect: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the runs it drove are interrupted and stay resumable.
        }
    }

    private async Task<IReadOnlyList<WorkflowResult>> RunWorkerLoopCoreAsync(WorkerLoopOptions options, bool collect, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRuns, 1, nameof(options.MaxConcurrentRuns));
        var store = _store!;
        var slots = _driver.Slots ?? new SemaphoreSlim(options.MaxConcurrentRuns, options.MaxConcurrentRuns);
        var ownSlots = _driver.Slots is null;
        var running = new List<Task<WorkflowResult?>>();
        var results = new List<WorkflowResult>();
        Task? queued = null;
        Task? poll = null;
        var failures = 0;
        var failing = new RunBackoff(_time, options.PollInterval);
        if (!options.StopWhenIdle)
        {
            Interlocked.Increment(ref _workerLoops);
        }

        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wake = Volatile.Read(ref _wake).Task;

                // Told by the store (PostgreSQL: LISTEN/NOTIFY) of runs queued or decided by other processes;
                // asked before the claim, so a run queued after the claim looked still wakes the loop.
                if (!options.StopWhenIdle && (queued is null || queued.IsCompleted))
                {
                    // A wait that failed is not asked again at once (it would spin): a poll stands in for one turn.
                    queued = queued?.Exception is not null
                        ? Task.Delay(options.PollInterval, _time, cancellationToken)
                        : store.WaitForQueueAsync(options.PollInterval, cancellationToken).AsTask();
                }

                // The capacity slots first: one waited for, then every other one free now.
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                var taken = 1;
                while (slots.Wait(0))
                {
                    taken++;
                }

                IReadOnlyList<ClaimedRun> claimed;
                try
                {
                    await failing.ReleaseAsync(store, _options.OwnerId).ConfigureAwait(false);
                    claimed = await store.ClaimRunsAsync(
                        new ClaimRequest
                        {
                            Owner = _options.OwnerId,
                            LeaseDuration = _options.LeaseDuration,
                            Limit = taken,
                            DefinitionHashes = RegisteredHashes,
                            Excluding = failing.Excluding(_driver.OwnedRuns),
                            DeadOwners = await DeadOwnersAsync(store, cancellationToken).ConfigureAwait(false),
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!options.StopWhenIdle && !cancellationToken.IsCancellationRequested)
                {
                    // A long-running loop outlives a store that fails for a while (a locked or unreachable
                    // database): the failure is logged and the claim tried again, backing off to a limit.
                    slots.Release(taken);
                    failures++;
                    var delay = StoreRetryDelay(options.PollInterval, failures);
                    Log.WorkerLoopStoreFailed(_logger, ex, ex.Message, delay, failures);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch
                {
                    slots.Release(taken);
                    throw;
                }

                if (failures > 0)
                {
                    Log.WorkerLoopStoreBack(_logger, failures);
                    failures = 0;
                }

                if (taken > claimed.Count)
                {
                    slots.Release(taken - claimed.Count);
                }

                foreach (var run in claimed)
                {
                    running.Add(DriveClaimedAsync(run, ownSlots ? slots : null, failing, cancellationToken));
                }

                running.RemoveAll(task => Collect(task, results, collect));
                if (claimed.Count > 0)
                {
                    continue;
                }

                if (options.StopWhenIdle)
                {
                    break;
                }

                // Nothing to claim: wait for a start or a finished run in this process, news from the store, or poll it.
                if (poll is null || poll.IsCompleted)
                {
                    poll = Task.Delay(options.PollInterval, _time, cancellationToken);
                }

                var waits = new List<Task>(running.Count + 3) { wake, queued!, poll };
                waits.AddRange(running);
                await Task.WhenAny(waits).ConfigureAwait(false);
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            running.RemoveAll(task => Collect(task, results, collect));
            return results;
        }
        finally
        {
            if (!options.StopWhenIdle)
            {
                Interlocked.Decrement(ref _workerLoops);
            }

            if (running.Count > 0)
            {
                await Task.WhenAll(running.Select(t => (Task)t).Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The most a worker loop waits before claiming again after the store failed.</summary>
    internal static readonly TimeSpan MaxStoreRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The wait before claiming again after <paramref name="failures"/> store failures in a row: the poll interval, doubled per failure, up to <see cref="MaxStoreRetryDelay"/>.</summary>
    internal static TimeSpan StoreRetryDelay(TimeSpan pollInterval, int failures)
    {
        var delay = pollInterval;
        for (var i = 1; i < failures && delay < MaxStoreRetryDelay; i++)
        {
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreRetryDelay.Ticks));
        }

        return delay;
    }

    /// <summary>
    /// The runs whose driving failed in this loop (an exception out of the driver, not a failed attempt, which is
    /// recorded and routed): each is left unclaimed for the poll interval, doubled per failure in a row up to
    /// <see cref="MaxStoreRetryDelay"/>, so a run that cannot be driven does not call its workers in a tight
    /// loop; any other process may still claim it. A drive that ends normally forgets the run's failures.
    /// </summary>
    private sealed class RunBackoff(TimeProvider time, TimeSpan pollInterval)
    {
        private readonly Dictionary<string, (int Failures, DateTimeOffset Until)> _runs = new(StringComparer.Ordinal);

        public (int Failures, TimeSpan Delay) Failed(string runId)
        {
            lock (_runs)
            {
                var failures = (_runs.TryGetValue(runId, out var known) ? known.Failures : 0) + 1;
                var delay = StoreRetryDelay(pollInterval, failures);
                _runs[runId] = (failures, time.GetUtcNow() + delay);
                return (failures, delay);
            }
        }

        private readonly Dictionary<string, long> _releases = new(StringComparer.Ordinal);

        /// <summary>A lease this loop could not give back (the store failed): given back at a later turn.</summary>
        public void ReleaseLater(string runId, long fence)
        {
            lock (_runs)
            {
                _releases[runId] = fence;
            }
        }

        /// <summary>Gives back the leases that could not be given back before; those that fail again wait for the next turn.</summary>
        public async ValueTask ReleaseAsync(IRunStore store, string owner)
        {
            KeyValuePair<string, long>[] due;
            lock (_runs)
            {
                if (_releases.Count == 0)
                {
                    return;
                }

                due = [.. _releases];
            }

            foreach (var (runId, fence) in due)
            {
                try
                {
                    await store.ReleaseLeaseAsync(runId, owner, fence, CancellationToken.None).ConfigureAwait(false);
                    lock (_runs)
                    {
                        _releases.Remove(runId);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Still away: tried again at the next turn.
                }
            }
        }

        public void Succeeded(string runId)
        {
            lock (_runs)
            {
                _runs.Remove(runId);
            }
        }

        /// <summary>The runs a claim leaves alone: <paramref name="owned"/> and those still waiting out a failure.</summary>
        public IReadOnlyCollection<string> Excluding(IReadOnlyCollection<string> owned)
        {
            lock (_runs)
            {
                if (_runs.Count == 0)
                {
                    return owned;
                }

                var now = time.GetUtcNow();
                var excluded = new HashSet<string>(owned, StringComparer.Ordinal);
                foreach (var (runId, (_, until)) in _runs)
                {
                    if (until > now)
                    {
                        excluded.Add(runId);
                    }
                }

                return excluded;
            }
        }
    }

    private static bool Collect(Task<WorkflowResult?> task, List<WorkflowResult> results, bool collect)
    {
        if (!task.IsCompleted)
        {
            return false;
        }

        if (collect && task.IsCompletedSuccessfully && task.Result is { } result)
        {
            results.Add(result);
        }

        return true;
    }

    /// <summary>Drives a claimed run (its slot already taken, given back by the driver); a failure is logged, never thrown into the loop.</summary>
    private async Task<WorkflowResult?> DriveClaimedAsync(ClaimedRun claimed, SemaphoreSlim? loopSlots, RunBackoff failing, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var handed = false;
        try
        {
            var record = await _store!.GetRunAsync(claimed.RunId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(claimed.RunId);
            var (compiled, workers) = Pinned(record, allowChange: false);
            Log.RunClaimed(_logger, claimed.RunId, record.WorkflowName, StateName(record.State), claimed.PreviousOwner ?? "nobody");
            handed = true;
            var result = await _driver.RunAsync(
                new RunStart
                {
                    Kind = StartKind.Claimed,
                    RunId = claimed.RunId,
                    Workflow = compiled,
                    Workers = workers,
                    Record = record,
                    Fence = claimed.Fence,
                    PreviousOwner = claimed.PreviousOwner,
                    HoldsSlot = loopSlots is null,
                },
                cancellationToken).ConfigureAwait(false);
            failing.Succeeded(claimed.RunId);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            var (count, delay) = failing.Failed(claimed.RunId);
            Log.ClaimedRunFailed(_logger, ex, claimed.RunId, ex.Message, delay, count);
            try
            {
                await _store!.ReleaseLeaseAsync(claimed.RunId, _options.OwnerId, claimed.Fence, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception release) when (release is not OperationCanceledException)
            {
                // The store is away (the drive likely failed for that): the lease is given back once it answers,
                // so the run waits for this loop's back-off, not for its lease to run out.
                failing.ReleaseLater(claimed.RunId, claimed.Fence);
            }

            return null;
        }
        finally
        {
            if (loopSlots is not null)
            {
                loopSlots.Release();
            }
            else if (!handed)
            {
                _driver.Slots!.Release();
            }
        }
    }

    /// <summary>Wakes every worker loop of this orchestrator (a run was started or unpaused here).</summary>
    private void WakeWorkerLoops()
    {
        var wake = Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        wake.TrySetResult();
    }

    /// <summary>
    /// Owners of live leases that are processes of this machine no longer running (owner ids start with
    /// the host name and process id): their runs can be taken over at once.
    /// </summary>
    private async ValueTask<IReadOnlyCollection<string>?> DeadOwnersAsync(IRunStore store, CancellationToken cancellationToken)
    {
        // Running runs, and pending ones: a claimed run stays pending until its first attempt is committed, so a
        // process killed during that attempt holds the lease of a pending run.
        var running = await store.ListRunsAsync(new RunQuery { State = WorkflowState.Running, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
        var pending = await store.ListRunsAsync(new RunQuery { State = WorkflowState.Pending, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
        HashSet<string>? dead = null;
        foreach (var run in running.Concat(pending))
        {
            if (run.LeaseOwner is { } owner && owner != _options.OwnerId && !(dead?.Contains(owner) ?? false) && OwnerIds.IsGone(owner))
            {
                (dead ??= new HashSet<string>(StringComparer.Ordinal)).Add(owner);
            }
        }

        return dead;
    }
}

/// <summary>Owner ids: <c>host:pid:suffix</c>, so a process of this machine that is gone can be told from one that is slow.</summary>
internal static class OwnerIds
{
    /// <summary>The owner ids made in this process: an id of this process's id that is not one of them is an earlier process's.</summary>
    private static readonly ConcurrentDictionary<string, byte> s_made = new(StringComparer.Ordinal);

    public static string ForThisProcess()
    {
        var id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];
        s_made.TryAdd(id, 0);
        return id;
    }

    /// <summary>
    /// True when <paramref name="owner"/> names a process of this machine that no longer exists. An owner with this
    /// process's id that this process did not make is a process that had the same id before (a container's app is
    /// process 1 after every restart). A machine is its host name: each container needs its own (as Docker and
    /// Kubernetes give by default), or a process of one would judge the processes of another by its own.
    /// </summary>
    public static bool IsGone(string? owner)
    {
        if (owner is null)
        {
            return false;
        }

        var parts = owner.Split(':');
        if (parts.Length < 3 || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return !s_made.ContainsKey(owner);
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
