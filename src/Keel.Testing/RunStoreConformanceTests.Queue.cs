namespace Keel.Testing;

/// <summary>Store facts of events, the queue of runs, control requests, listing and the store's clock.</summary>
public abstract partial class RunStoreConformanceTests
{
    /// <summary>An event of run <paramref name="runId"/> numbered <paramref name="sequence"/>.</summary>
    protected static RunEvent Event(string runId, long sequence, string step = "plan")
        => new RunPaused { RunId = runId, Sequence = sequence, Timestamp = T0 + TimeSpan.FromSeconds(sequence), By = "test", StepId = step };

    /// <summary>A pending run: stored, not leased, fence 0.</summary>
    protected static RunRecord Pending(string runId, DateTimeOffset? createdAt = null, string hash = "") => NewRun(runId, createdAt: createdAt, state: WorkflowState.Pending) with
    {
        LeaseOwner = null,
        LeaseExpires = null,
        Fence = 0,
        DefinitionHash = hash.Length > 0 ? hash : new string('a', 64),
    };

    /// <summary>Creating a run writes its event 1, <see cref="RunCreated"/>, with the run's lineage, and sets its last event sequence to 1.</summary>
    [Fact]
    public async Task CreateRun_WritesEventOne_RunCreated()
    {
        await Store.CreateRunAsync(NewRun("r1") with { ParentRunId = "p", ParentSequence = 2 }, [], default);

        var events = await Reopen().GetEventsAsync("r1", 0, 100, default);

        var created = Assert.IsType<RunCreated>(Assert.Single(events));
        Assert.Equal((1L, "r1", "wf", "plan", WorkflowState.Running, "p", (int?)2), (created.Sequence, created.RunId, created.WorkflowName, created.Step, created.State, created.ParentRunId, created.ParentSequence));
        Assert.Equal(1, (await Reopen().GetRunAsync("r1", default))!.LastEventSequence);
    }

    /// <summary>A commit writes its events in order after the run's newest; they read back from any sequence on.</summary>
    [Fact]
    public async Task Commit_WritesItsEventsInOrder_ReadAfterAnySequence()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)) with { Events = [Event("r1", 2), Event("r1", 3)] }, default);
        await Store.CommitAsync(Step("r1", 1, null) with { Events = [Event("r1", 4)] }, default);

        var store = Reopen();
        Assert.Equal([1L, 2, 3, 4], (await store.GetEventsAsync("r1", 0, 100, default)).Select(e => e.Sequence));
        Assert.Equal([3L, 4], (await store.GetEventsAsync("r1", 2, 100, default)).Select(e => e.Sequence));
        Assert.Equal([2L, 3], (await store.GetEventsAsync("r1", 1, 2, default)).Select(e => e.Sequence));
        Assert.Empty(await store.GetEventsAsync("r1", 4, 100, default));
        Assert.Empty(await store.GetEventsAsync("nope", 0, 100, default));
        Assert.Equal(4, (await store.GetRunAsync("r1", default))!.LastEventSequence);
        var paused = Assert.IsType<RunPaused>((await store.GetEventsAsync("r1", 1, 1, default))[0]);
        Assert.Equal(("test", "plan", T0 + TimeSpan.FromSeconds(2)), (paused.By, paused.StepId, paused.Timestamp));
    }

    /// <summary>A commit repeated with the same run and first event sequence (its acknowledgement lost) changes nothing.</summary>
    [Fact]
    public async Task Commit_RepeatedAfterALostAcknowledgement_IsANoOp()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var checkpoint = Step("r1", 1, Entry("r1", 0)) with { Events = [Event("r1", 2)] };
        await Store.CommitAsync(checkpoint, default);

        await Reopen().CommitAsync(checkpoint, default);

        var store = Reopen();
        Assert.Single(await store.GetHistoryAsync("r1", default));
        Assert.Equal([1L, 2], (await store.GetEventsAsync("r1", 0, 100, default)).Select(e => e.Sequence));
        Assert.Equal(1, (await store.GetRunAsync("r1", default))!.HistoryCount);
    }

    /// <summary>A commit whose events do not follow on from the run's newest without a gap is refused, and nothing of it is written.</summary>
    [Fact]
    public async Task Commit_WithAGapInItsEvents_IsRefusedAndWritesNothing()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);

        await Assert.ThrowsAnyAsync<KeelException>(async () => await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)) with { Events = [Event("r1", 3)] }, default));

        var store = Reopen();
        Assert.Empty(await store.GetHistoryAsync("r1", default));
        Assert.Single(await store.GetEventsAsync("r1", 0, 100, default));
    }

    /// <summary>Waiting for events returns at once when newer ones exist, and after the timeout when none come.</summary>
    [Fact]
    public async Task WaitForEvents_ReturnsAtOnceWhenNewerEventsExist_AndAfterTheTimeoutOtherwise()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);

        await Store.WaitForEventsAsync("r1", 0, TimeSpan.FromDays(1), default);
        var waiting = Store.WaitForEventsAsync("r1", 1, TimeSpan.FromSeconds(5), default).AsTask();
        await Store.CommitAsync(Step("r1", 1, null) with { Events = [Event("r1", 2)] }, default);
        await Within(waiting);
        Assert.Equal(2, (await Store.GetEventsAsync("r1", 1, 10, default)).Single().Sequence);
    }

    /// <summary>Watching yields every event once, with no gap or repeat across a reconnect, and stops when the run ends.</summary>
    [Fact]
    public async Task Watch_YieldsEveryEventOnce_AcrossAReconnect_UntilTheRunEnds()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        await Store.CommitAsync(Step("r1", 1, null) with { Events = [Event("r1", 2)] }, default);
        var seen = new List<long>();
        await foreach (var runEvent in Store.WatchAsync("r1", 0, TimeSpan.FromMilliseconds(10)))
        {
            seen.Add(runEvent.Sequence);
            if (runEvent.Sequence == 2)
            {
                break;
            }
        }

        var ended = new RunEnded { RunId = "r1", Sequence = 3, Timestamp = T0, State = WorkflowState.Completed, Step = "complete" };
        await Store.CommitAsync(Step("r1", 1, null) with { State = WorkflowState.Completed, CurrentStep = "complete", ReleasesLease = true, Events = [ended] }, default);
        await foreach (var runEvent in OpenAnother().WatchAsync("r1", seen[^1], TimeSpan.FromMilliseconds(10)))
        {
            seen.Add(runEvent.Sequence);
        }

        Assert.Equal([1L, 2, 3], seen);
    }

    /// <summary>A watch of an ended run from its run_ended or later (a reconnect after the end) yields nothing and ends.</summary>
    [Fact]
    public async Task Watch_OfAnEndedRun_FromItsLastEventOrLater_EndsWithNothing()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var ended = new RunEnded { RunId = "r1", Sequence = 2, Timestamp = T0, State = WorkflowState.Completed, Step = "complete" };
        await Store.CommitAsync(Step("r1", 1, null) with { State = WorkflowState.Completed, CurrentStep = "complete", ReleasesLease = true, Events = [ended] }, default);

        // A token that ends the watch only if the store never does: it is not what is tested.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var after in new long[] { 2, 5 })
        {
            var seen = new List<long>();
            await foreach (var runEvent in OpenAnother().WatchAsync("r1", after, TimeSpan.FromMilliseconds(10), guard.Token))
            {
                seen.Add(runEvent.Sequence);
            }

            Assert.Empty(seen);
        }

        Assert.False(guard.IsCancellationRequested);
    }

    /// <summary>Claiming takes pending runs and runs whose lease lapsed, oldest first, no more than the limit.</summary>
    [Fact]
    public async Task ClaimRuns_TakesPendingAndAbandonedRunsOldestFirst_UpToTheLimit()
    {
        await Store.CreateRunAsync(Pending("p1", T0), [], default);
        await Store.CreateRunAsync(Pending("p2", T0 + TimeSpan.FromSeconds(1)), [], default);
        await Store.CreateRunAsync(NewRun("live", createdAt: T0 - TimeSpan.FromSeconds(5)), [], default);
        await Store.CreateRunAsync(NewRun("expired", createdAt: T0 - TimeSpan.FromMinutes(10)) with { LeaseExpires = T0 - TimeSpan.FromSeconds(1) }, [], default);
        await Store.CreateRunAsync(NewRun("waiting", createdAt: T0 - TimeSpan.FromMinutes(20), state: WorkflowState.WaitingForApproval) with { LeaseOwner = null, LeaseExpires = null }, [], default);
        await Store.CreateRunAsync(NewRun("paused", createdAt: T0 - TimeSpan.FromMinutes(20), state: WorkflowState.Paused) with { LeaseOwner = null, LeaseExpires = null }, [], default);

        var first = await Store.ClaimRunsAsync(new ClaimRequest { Owner = "w1", LeaseDuration = TimeSpan.FromSeconds(30), Limit = 2 }, default);
        var second = await Reopen().ClaimRunsAsync(new ClaimRequest { Owner = "w2", LeaseDuration = TimeSpan.FromSeconds(30), Limit = 10 }, default);

        Assert.Equal([("expired", 2L, (string?)"owner-a"), ("p1", 1L, null)], first.Select(c => (c.RunId, c.Fence, c.PreviousOwner)));
        Assert.Equal(["p2"], second.Select(c => c.RunId));
        var claimed = (await Reopen().GetRunAsync("p1", default))!;
        Assert.Equal(("w1", 1L, T0 + TimeSpan.FromSeconds(30)), (claimed.LeaseOwner, claimed.Fence, claimed.LeaseExpires));
        Assert.Empty(await Store.ClaimRunsAsync(new ClaimRequest { Owner = "w3", LeaseDuration = TimeSpan.FromSeconds(30), Limit = 10 }, default));
    }

    /// <summary>Claiming takes a live lease held by an owner named dead, and only runs of the definitions the claimant drives.</summary>
    [Fact]
    public async Task ClaimRuns_TakesALiveLeaseOfADeadOwner_AndOnlyRunsOfTheGivenDefinitions()
    {
        await Store.CreateRunAsync(NewRun("dead") with { LeaseOwner = "host:1:gone" }, [], default);
        await Store.CreateRunAsync(Pending("other", hash: new string('b', 64)), [], default);
        await Store.CreateRunAsync(Pending("mine"), [], default);

        var claimed = await Store.ClaimRunsAsync(
            new ClaimRequest { Owner = "w1", LeaseDuration = TimeSpan.FromSeconds(30), Limit = 10, DeadOwners = ["host:1:gone"], DefinitionHashes = [new string('a', 64)] },
            default);

        Assert.Equal(["dead", "mine"], claimed.Select(c => c.RunId).Order(StringComparer.Ordinal));
        Assert.Equal(1L, await Store.TryAcquireLeaseAsync("other", "w1", TimeSpan.FromSeconds(30), null, default));
        await Store.CreateRunAsync(Pending("driven"), [], default);
        Assert.Empty(await Store.ClaimRunsAsync(new ClaimRequest { Owner = "w1", LeaseDuration = TimeSpan.FromSeconds(30), Limit = 10, Excluding = ["driven"] }, default));
    }

    /// <summary>Many owners claiming at once claim each run exactly once.</summary>
    [Fact]
    public async Task ClaimRuns_ManyOwnersRacing_ClaimEachRunOnce()
    {
        const int runs = 40;
        for (var i = 0; i < runs; i++)
        {
            await Store.CreateRunAsync(Pending($"r{i:00}", T0 + TimeSpan.FromMilliseconds(i)), [], default);
        }

        var owners = Enumerable.Range(0, 8).Select(o => Task.Run(async () =>
        {
            var store = OpenAnother();
            var mine = new List<string>();
            while (true)
            {
                var claimed = await store.ClaimRunsAsync(new ClaimRequest { Owner = $"w{o}", LeaseDuration = TimeSpan.FromMinutes(5), Limit = 3 }, default);
                if (claimed.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(claimed.Select(c => c.RunId));
            }
        })).ToArray();
        var all = (await Task.WhenAll(owners)).SelectMany(m => m).ToArray();

        Assert.Equal(runs, all.Length);
        Assert.Equal(runs, all.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>A control request is durable, returned to the owner by its next renewal and commit, and cleared when the owner honours it.</summary>
    [Fact]
    public async Task Request_IsDurable_ReturnedByRenewAndCommit_ClearedByTheOwner()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);

        Assert.True(await OpenAnother().RequestAsync(new RunRequest { RunId = "r1", Control = RunControl.Cancel, By = "ops", Reason = "wrong goal" }, default));

        var run = (await Reopen().GetRunAsync("r1", default))!;
        Assert.Equal((RunControl.Cancel, "ops", "wrong goal"), (run.Control, run.ControlBy, run.ControlReason));
        Assert.Equal(RunControl.Cancel, await Store.RenewLeaseAsync("r1", "owner-a", 1, TimeSpan.FromSeconds(30), default));
        Assert.Equal(RunControl.Cancel, await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)) with { Events = [Event("r1", 2)] }, default));
        Assert.Equal(RunControl.None, await Store.CommitAsync(Step("r1", 1, null) with { ClearsControl = true, State = WorkflowState.Cancelled, ReleasesLease = true, Events = [Event("r1", 3)] }, default));
        run = (await Reopen().GetRunAsync("r1", default))!;
        Assert.Equal((RunControl.None, (string?)null, WorkflowState.Cancelled), (run.Control, run.ControlBy, run.State));
        Assert.False(await Store.RequestAsync(new RunRequest { RunId = "r1", Control = RunControl.Pause, By = "ops" }, default));
        await Assert.ThrowsAsync<RunNotFoundException>(async () => await Store.RequestAsync(new RunRequest { RunId = "nope", Control = RunControl.Pause, By = "ops" }, default));
    }

    /// <summary>Runs are counted by state.</summary>
    [Fact]
    public async Task CountRuns_CountsByState()
    {
        await Store.CreateRunAsync(NewRun("a"), [], default);
        await Store.CreateRunAsync(NewRun("b"), [], default);
        await Store.CreateRunAsync(Pending("c"), [], default);
        await Store.CreateRunAsync(NewRun("d", state: WorkflowState.Completed), [], default);

        var counts = await Reopen().CountRunsAsync(default);

        Assert.Equal(2, counts[WorkflowState.Running]);
        Assert.Equal(1, counts[WorkflowState.Pending]);
        Assert.Equal(1, counts[WorkflowState.Completed]);
        Assert.False(counts.ContainsKey(WorkflowState.Failed));
    }

    /// <summary>Paging by cursor returns every run once, even when runs share a creation time.</summary>
    [Fact]
    public async Task ListRuns_ByCursor_PagesWholeWhenRunsShareACreationTime()
    {
        foreach (var id in new[] { "a", "b", "c", "d", "e" })
        {
            await Store.CreateRunAsync(NewRun(id, createdAt: T0), [], default);
        }

        await Store.CreateRunAsync(NewRun("old", createdAt: T0 - TimeSpan.FromHours(1)), [], default);
        var store = Reopen();
        var pages = new List<string[]>();
        RunCursor? after = null;
        while (true)
        {
            var page = await store.ListRunsAsync(new RunQuery { Limit = 2, After = after }, default);
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(Ids(page));
            Assert.True(RunCursor.TryParse(RunCursor.Of(page[^1]).ToString(), out var parsed));
            after = parsed;
        }

        Assert.Equal([["e", "d"], ["c", "b"], ["a", "old"]], pages);
    }

    /// <summary>Lease times come from the store's clock, whatever the caller's clock says.</summary>
    [Fact]
    public async Task Leases_AreTimedByTheStoresClock()
    {
        await Store.CreateRunAsync(NewRun("r1") with { LeaseOwner = null, LeaseExpires = null }, [], default);
        Clock.Advance(TimeSpan.FromHours(2));

        await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default);
        var run = (await Reopen().GetRunAsync("r1", default))!;

        Assert.Equal(T0 + TimeSpan.FromHours(2) + TimeSpan.FromSeconds(30), run.LeaseExpires);
        Assert.Equal(T0 + TimeSpan.FromHours(2), Store.Clock.GetUtcNow());
    }
}
