using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Testing;

/// <summary>
/// What every <see cref="IRunStore"/> must do. A store's test class inherits this suite and returns its
/// store from <see cref="CreateStore"/>, on the clock it is given (leases are read from the store's clock).
/// </summary>
public abstract partial class RunStoreConformanceTests : IDisposable
{
    /// <summary>The time the suite's clock starts at.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private IRunStore? _store;

    /// <summary>The clock every store of a test runs on (starts at <see cref="T0"/>).</summary>
    protected FakeTimeProvider Clock { get; } = new(T0);

    /// <summary>The store under test (created on first use).</summary>
    protected IRunStore Store => _store ??= CreateStore(Clock);

    /// <summary>A new, empty store whose clock is <paramref name="clock"/>.</summary>
    protected abstract IRunStore CreateStore(TimeProvider clock);

    /// <summary>Forgets the store and opens it again over the same storage (what a new process sees); the in-memory store keeps its instance.</summary>
    protected virtual IRunStore Reopen() => Store;

    /// <summary>A second store over the same storage, as another process would open it (the in-memory store shares its instance).</summary>
    protected virtual IRunStore OpenAnother() => Reopen();

    /// <summary>Disposes the store.</summary>
    public virtual void Dispose()
    {
        (_store as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A run record with every field set (leased by owner-a until T0 + 30 s, fence 1).</summary>
    protected static RunRecord NewRun(string runId, string workflow = "wf", DateTimeOffset? createdAt = null, WorkflowState state = WorkflowState.Running) => new()
    {
        RunId = runId,
        WorkflowName = workflow,
        Goal = "Build a \"portfolio\" — ünïcode ✓",
        State = state,
        CurrentStep = "plan",
        Visit = 1,
        Attempt = 1,
        StepsTaken = 1,
        Data = Bus(("topic", "cats"), ("n", 3)),
        InitialData = Bus(("topic", "cats")),
        DefinitionJson = """{"name":"wf","steps":[]}""",
        DefinitionHash = new string('a', 64),
        CreatedAt = createdAt ?? T0,
        UpdatedAt = createdAt ?? T0,
        LeaseOwner = "owner-a",
        LeaseExpires = (createdAt ?? T0) + TimeSpan.FromSeconds(30),
        Fence = 1,
    };

    /// <summary>A data bus of normalised values.</summary>
    protected static IReadOnlyDictionary<string, JsonElement> Bus(params (string Key, object? Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => KeelJson.Normalize(p.Value), StringComparer.Ordinal);

    /// <summary>A history entry with every field set.</summary>
    protected static HistoryEntry Entry(string runId, int sequence, string step = "plan", AttemptOutcome outcome = AttemptOutcome.Succeeded) => new()
    {
        RunId = runId,
        Sequence = sequence,
        StepId = step,
        WorkerType = WorkerType.ProductManager,
        WorkerName = "PM",
        Visit = 1,
        Attempt = sequence + 1,
        Outcome = outcome,
        Input = KeelJson.Normalize(new { goal = "portfolio", list = new[] { 1, 2 } }),
        Output = outcome == AttemptOutcome.Succeeded ? KeelJson.Normalize(new { title = "Héllo", n = 1.5m, ok = true, nothing = (string?)null }) : default,
        Error = outcome == AttemptOutcome.Succeeded ? null : "boom: \"quoted\"",
        Timestamp = T0 + TimeSpan.FromTicks(1234567 + sequence),
        Duration = TimeSpan.FromTicks(98765),
        Usage = new TokenUsage(120, 30, "gpt-test", 0.000123m),
        NextStep = "code",
        Data = Bus(("spec", new { pages = 3 }), ("seq", sequence)),
    };

    /// <summary>An ordinary checkpoint of <paramref name="runId"/> (no events).</summary>
    protected static Checkpoint Step(string runId, long fence, HistoryEntry? entry, IReadOnlyDictionary<string, JsonElement>? data = null, DateTimeOffset? leaseExpires = null) => new()
    {
        RunId = runId,
        Fence = fence,
        Entry = entry,
        Data = data,
        State = WorkflowState.Running,
        CurrentStep = "code",
        Visit = 2,
        Attempt = 3,
        StepsTaken = 4,
        Error = "last error",
        UpdatedAt = T0 + TimeSpan.FromMinutes(1),
        LeaseExpires = leaseExpires,
    };

    /// <summary>A created run reads back, after a reopen, with every field as written.</summary>
    [Fact]
    public async Task CreateRun_ThenGetRun_RoundTripsEveryField()
    {
        var run = NewRun("r1") with { ParentRunId = "parent", ParentSequence = 4, Error = "why", InputTokens = 7, OutputTokens = 8, Cost = 1.25m };
        await Store.CreateRunAsync(run, [], default);

        var stored = await Reopen().GetRunAsync("r1", default);

        Assert.NotNull(stored);
        AssertRun(run, stored);
        Assert.Equal(0, stored.HistoryCount);
        Assert.True(stored.SizeBytes > 0);
    }

    /// <summary>A commit's entry reads back with every field, and the run's position moves as the checkpoint says.</summary>
    [Fact]
    public async Task Commit_RoundTripsEveryEntryFieldAndThePosition()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var entry = Entry("r1", 0);
        var failed = Entry("r1", 1, outcome: AttemptOutcome.Failed) with { Usage = null, Data = null, Input = default };
        var lease = T0 + TimeSpan.FromMinutes(5);

        await Store.CommitAsync(Step("r1", 1, entry, entry.Data, lease), default);
        await Store.CommitAsync(Step("r1", 1, failed), default);

        var store = Reopen();
        var history = await store.GetHistoryAsync("r1", default);
        RecordedValues.History([entry, failed], history, exact: true);
        Assert.Equal(JsonValueKind.Undefined, history[1].Output.ValueKind);
        Assert.Equal(JsonValueKind.Undefined, history[1].Input.ValueKind);
        var run = await store.GetRunAsync("r1", default);
        Assert.NotNull(run);
        Assert.Equal("code", run.CurrentStep);
        Assert.Equal((2, 3, 4), (run.Visit, run.Attempt, run.StepsTaken));
        Assert.Equal("last error", run.Error);
        Assert.Equal(T0 + TimeSpan.FromMinutes(1), run.UpdatedAt);
        Assert.Equal(lease, run.LeaseExpires);
        Assert.Equal(2, run.HistoryCount);
        Assert.Equal((120L, 30L, 0.000123m), (run.InputTokens, run.OutputTokens, run.Cost));
        RecordedValues.Data(entry.Data, run.Data, "run data");
    }

    /// <summary>A checkpoint without data or lease leaves the stored data bus and lease as they were.</summary>
    [Fact]
    public async Task Commit_WithoutDataOrLease_KeepsThem()
    {
        var created = NewRun("r1");
        await Store.CreateRunAsync(created, [], default);

        await Store.CommitAsync(Step("r1", 1, null), default);

        var run = await Reopen().GetRunAsync("r1", default);
        Assert.NotNull(run);
        RecordedValues.Data(created.Data, run.Data, "run data");
        Assert.Equal(created.LeaseExpires, run.LeaseExpires);
        Assert.Equal(0, run.HistoryCount);
        Assert.Equal("code", run.CurrentStep);
    }

    /// <summary>The run's token and cost totals add up the usage of every committed entry.</summary>
    [Fact]
    public async Task Commit_AccumulatesUsageAcrossEntries()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)), default);
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 1) with { Usage = new TokenUsage(1, 2) }), default);
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 2) with { Usage = new TokenUsage(10, 20, null, 1m) }), default);

        var run = await Reopen().GetRunAsync("r1", default);

        Assert.NotNull(run);
        Assert.Equal((131L, 52L, 1.000123m), (run.InputTokens, run.OutputTokens, run.Cost));
    }

    /// <summary>A commit with an older fence throws <see cref="RunOwnedElsewhereException"/> and writes nothing.</summary>
    [Fact]
    public async Task Commit_WithStaleFence_ThrowsOwnedElsewhereAndWritesNothing()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var fence = await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default);
        Assert.Equal(2, fence);

        var error = await Assert.ThrowsAsync<RunOwnedElsewhereException>(async () => await Store.CommitAsync(Step("r1", 1, Entry("r1", 0), Bus(("x", 1))), default));

        Assert.Equal("r1", error.RunId);
        Assert.Equal("owner-b", error.Owner);
        var store = Reopen();
        Assert.Empty(await store.GetHistoryAsync("r1", default));
        var run = await store.GetRunAsync("r1", default);
        Assert.NotNull(run);
        Assert.Equal("plan", run.CurrentStep);
        Assert.False(run.Data.ContainsKey("x"));
    }

    /// <summary>A commit to a run that does not exist throws <see cref="RunNotFoundException"/>.</summary>
    [Fact]
    public async Task Commit_UnknownRun_ThrowsRunNotFound()
    {
        var error = await Assert.ThrowsAsync<RunNotFoundException>(async () => await Store.CommitAsync(Step("nope", 1, null), default));
        Assert.Equal("nope", error.RunId);
    }

    /// <summary>An unknown run reads as null, with an empty history.</summary>
    [Fact]
    public async Task GetRun_Unknown_IsNullAndHistoryEmpty()
    {
        Assert.Null(await Store.GetRunAsync("nope", default));
        Assert.Empty(await Store.GetHistoryAsync("nope", default));
    }

    /// <summary>Creating a run whose id is taken is refused.</summary>
    [Fact]
    public async Task CreateRun_DuplicateId_IsRefused()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var error = await Assert.ThrowsAnyAsync<KeelException>(async () => await Store.CreateRunAsync(NewRun("r1"), [], default));
        Assert.Contains("r1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A fork created with a copied history prefix stores it, and later commits append after it.</summary>
    [Fact]
    public async Task CreateRun_WithForkPrefix_StoresTheCopiedHistoryAndAppendsAfterIt()
    {
        var prefix = new[] { Entry("child", 0), Entry("child", 1, "code", AttemptOutcome.Failed) };
        await Store.CreateRunAsync(NewRun("child") with { ParentRunId = "parent", ParentSequence = 2 }, prefix, default);
        await Store.CommitAsync(Step("child", 1, Entry("child", 2, "code")), default);

        var store = Reopen();
        var history = await store.GetHistoryAsync("child", default);
        var run = await store.GetRunAsync("child", default);

        RecordedValues.History([.. prefix, Entry("child", 2, "code")], history, exact: true);
        Assert.NotNull(run);
        Assert.Equal(3, run.HistoryCount);
        Assert.Equal("parent", run.ParentRunId);
        Assert.Equal(2, run.ParentSequence);
    }

    /// <summary>A lease held by another owner is refused until it expires, then granted.</summary>
    [Fact]
    public async Task Lease_HeldByAnother_IsRefusedUntilItExpires()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);

        Clock.Advance(TimeSpan.FromSeconds(29));
        var whileLive = await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var afterExpiry = await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default);

        Assert.Null(whileLive);
        Assert.Equal(2, afterExpiry);
        var run = await Reopen().GetRunAsync("r1", default);
        Assert.NotNull(run);
        Assert.Equal(("owner-b", 2L, T0 + TimeSpan.FromSeconds(60)), (run.LeaseOwner, run.Fence, run.LeaseExpires));
    }

    /// <summary>The holder reacquiring its own lease gets a new, higher fence.</summary>
    [Fact]
    public async Task Lease_SameOwner_ReacquiresWithANewFence()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        Assert.Equal(2, await Store.TryAcquireLeaseAsync("r1", "owner-a", TimeSpan.FromSeconds(30), null, default));
        Assert.Equal(3, await Store.TryAcquireLeaseAsync("r1", "owner-a", TimeSpan.FromSeconds(30), null, default));
    }

    /// <summary>A lease renews only with the current fence and owner.</summary>
    [Fact]
    public async Task Lease_Renew_OnlyWithTheCurrentFenceAndOwner()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var later = T0 + TimeSpan.FromMinutes(10);

        Assert.Null(await Store.RenewLeaseAsync("r1", "owner-a", 7, TimeSpan.FromMinutes(10), default));
        Assert.Null(await Store.RenewLeaseAsync("r1", "owner-x", 1, TimeSpan.FromMinutes(10), default));
        Assert.Null(await Store.RenewLeaseAsync("nope", "owner-a", 1, TimeSpan.FromMinutes(10), default));
        Assert.Equal(RunControl.None, await Store.RenewLeaseAsync("r1", "owner-a", 1, TimeSpan.FromMinutes(10), default));

        var run = await Reopen().GetRunAsync("r1", default);
        Assert.NotNull(run);
        Assert.Equal(later, run.LeaseExpires);
    }

    /// <summary>A released lease can be taken by another owner at once.</summary>
    [Fact]
    public async Task Lease_Release_FreesItForAnotherOwner()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        await Store.ReleaseLeaseAsync("r1", "owner-x", 1, default);
        Assert.Null(await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default));

        await Store.ReleaseLeaseAsync("r1", "owner-a", 1, default);
        var run = await Store.GetRunAsync("r1", default);
        Assert.NotNull(run);
        Assert.Null(run.LeaseOwner);
        Assert.Null(run.LeaseExpires);
        Assert.Equal(2, await Store.TryAcquireLeaseAsync("r1", "owner-b", TimeSpan.FromSeconds(30), null, default));
    }

    /// <summary>A checkpoint that releases the lease ends the run and frees the lease in the same write.</summary>
    [Fact]
    public async Task Commit_ReleasingTheLease_EndsTheRunAndFreesItInOneWrite()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        await Store.CreateRunAsync(NewRun("r2"), [], default);

        await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)) with { State = WorkflowState.Completed, CurrentStep = "complete", ReleasesLease = true }, default);
        await Store.CommitAsync(Step("r2", 1, null) with { State = WorkflowState.WaitingForApproval, CurrentStep = "review", ReleasesLease = true }, default);

        var ended = await Reopen().GetRunAsync("r1", default);
        var parked = await Reopen().GetRunAsync("r2", default);
        Assert.Equal((WorkflowState.Completed, 1, (string?)null, (DateTimeOffset?)null), (ended!.State, ended.HistoryCount, ended.LeaseOwner, ended.LeaseExpires));
        Assert.Equal((WorkflowState.WaitingForApproval, (string?)null, (DateTimeOffset?)null), (parked!.State, parked.LeaseOwner, parked.LeaseExpires));
        Assert.Null(await Store.RenewLeaseAsync("r2", "owner-a", 1, TimeSpan.FromMinutes(5), default));
        Assert.Equal(2, await Store.TryAcquireLeaseAsync("r2", "owner-b", TimeSpan.FromSeconds(30), null, default));
    }

    /// <summary>Taking the lease of a run that does not exist throws <see cref="RunNotFoundException"/>.</summary>
    [Fact]
    public async Task Lease_UnknownRun_ThrowsRunNotFound()
        => await Assert.ThrowsAsync<RunNotFoundException>(async () => await Store.TryAcquireLeaseAsync("nope", "o", TimeSpan.FromSeconds(1), null, default));

    /// <summary>Listing filters by workflow, state, creation time and free lease, newest first.</summary>
    [Fact]
    public async Task ListRuns_FiltersByWorkflowStateTimeAndLease_NewestFirst()
    {
        await Store.CreateRunAsync(NewRun("a", "alpha", T0), [], default);
        await Store.CreateRunAsync(NewRun("b", "alpha", T0 + TimeSpan.FromHours(1), WorkflowState.Completed), [], default);
        await Store.CreateRunAsync(NewRun("c", "beta", T0 + TimeSpan.FromHours(2)), [], default);
        await Store.CreateRunAsync(NewRun("d", "alpha", T0 + TimeSpan.FromHours(3)) with { LeaseOwner = null, LeaseExpires = null }, [], default);
        var store = Reopen();

        Assert.Equal(["d", "c", "b", "a"], Ids(await store.ListRunsAsync(new RunQuery(), default)));
        Assert.Equal(["d", "b", "a"], Ids(await store.ListRunsAsync(new RunQuery { WorkflowName = "alpha" }, default)));
        Assert.Equal(["b"], Ids(await store.ListRunsAsync(new RunQuery { State = WorkflowState.Completed }, default)));
        Assert.Equal(["c", "b"], Ids(await store.ListRunsAsync(new RunQuery { CreatedAfter = T0 + TimeSpan.FromHours(1), CreatedBefore = T0 + TimeSpan.FromHours(3) }, default)));
        Assert.Equal(["d", "c"], Ids(await store.ListRunsAsync(new RunQuery { Limit = 2 }, default)));
        Assert.Equal(["d", "a"], Ids(await store.ListRunsAsync(new RunQuery { WorkflowName = "alpha", State = WorkflowState.Running }, default)));
        Assert.Equal(["d"], Ids(await store.ListRunsAsync(new RunQuery { LeaseFreeAt = T0 + TimeSpan.FromSeconds(10) }, default)));
        Assert.Equal(["d", "b", "a"], Ids(await store.ListRunsAsync(new RunQuery { LeaseFreeAt = T0 + TimeSpan.FromMinutes(61) }, default)));
    }

    /// <summary>Listing by parent yields every run started from that run (of any workflow, created at any time), newest first, and no other.</summary>
    [Fact]
    public async Task ListRuns_ByParent_YieldsEveryRunStartedFromIt_NewestFirst()
    {
        await Store.CreateRunAsync(NewRun("parent", "alpha", T0 + TimeSpan.FromHours(1)), [], default);
        await Store.CreateRunAsync(NewRun("fork", "alpha", T0 + TimeSpan.FromHours(2)) with { ParentRunId = "parent", ParentSequence = 0 }, [], default);
        await Store.CreateRunAsync(NewRun("child", "beta", T0 + TimeSpan.FromHours(3)) with { ParentRunId = "parent" }, [], default);
        await Store.CreateRunAsync(NewRun("older", "gamma", T0) with { ParentRunId = "parent", ParentSequence = 1 }, [], default);
        await Store.CreateRunAsync(NewRun("other", "alpha", T0 + TimeSpan.FromHours(4)) with { ParentRunId = "someone-else" }, [], default);
        await Store.CreateRunAsync(NewRun("plain", "alpha", T0 + TimeSpan.FromHours(5)), [], default);
        var store = Reopen();

        Assert.Equal(["child", "fork", "older"], Ids(await store.ListRunsAsync(new RunQuery { ParentRunId = "parent" }, default)));
        Assert.Equal(["fork"], Ids(await store.ListRunsAsync(new RunQuery { ParentRunId = "parent", WorkflowName = "alpha" }, default)));
        Assert.Equal(["child"], Ids(await store.ListRunsAsync(new RunQuery { ParentRunId = "parent", Limit = 1 }, default)));
        Assert.Empty(await store.ListRunsAsync(new RunQuery { ParentRunId = "plain" }, default));
    }

    /// <summary>Deleting removes runs older than the cutoff with their history and reports what they took.</summary>
    [Fact]
    public async Task DeleteRuns_RemovesOlderRunsWithTheirHistory_ReportingTheirSize()
    {
        await Store.CreateRunAsync(NewRun("old", createdAt: T0), [], default);
        await Store.CommitAsync(Step("old", 1, Entry("old", 0)) with { UpdatedAt = T0 }, default);
        await Store.CreateRunAsync(NewRun("new", createdAt: T0 + TimeSpan.FromDays(2)), [], default);
        var before = await Store.GetRunAsync("old", default);
        Clock.Advance(TimeSpan.FromMinutes(1));

        var deleted = await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), AnyState, default);

        var only = Assert.Single(deleted);
        Assert.Equal("old", only.RunId);
        Assert.Equal(1, only.HistoryCount);
        Assert.Equal(before!.SizeBytes, only.SizeBytes);
        Assert.True(only.SizeBytes > 0);
        var store = Reopen();
        Assert.Null(await store.GetRunAsync("old", default));
        Assert.Empty(await store.GetHistoryAsync("old", default));
        Assert.NotNull(await store.GetRunAsync("new", default));
        Assert.Empty(await store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), AnyState, default));
    }

    /// <summary>A run's size grows with every committed entry.</summary>
    [Fact]
    public async Task SizeBytes_GrowsWithEveryCommittedEntry()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var first = (await Store.GetRunAsync("r1", default))!.SizeBytes;
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)), default);
        var second = (await Store.GetRunAsync("r1", default))!.SizeBytes;

        Assert.True(second > first, $"size {first} then {second}");
    }

    /// <summary>After a mix of entries, state changes and plain checkpoints, the run reads with the latest position, data and totals.</summary>
    [Fact]
    public async Task Commit_MixOfEntriesStateChangesAndPlainCheckpoints_ReadsTheLatestPositionDataAndTotals()
    {
        await Store.CreateRunAsync(NewRun("r1"), [], default);
        var first = Entry("r1", 0) with { Data = Bus(("n", 1)) };
        var second = Entry("r1", 1) with { Data = null };
        await Store.CommitAsync(Step("r1", 1, first, first.Data) with { CurrentStep = "a" }, default);
        await Store.CommitAsync(Step("r1", 1, second) with { CurrentStep = "b", StepsTaken = 5, Error = null, UpdatedAt = T0 + TimeSpan.FromMinutes(2) }, default);

        var afterEntries = (await Reopen().GetRunAsync("r1", default))!;
        Assert.Equal(("b", 5, (string?)null, T0 + TimeSpan.FromMinutes(2)), (afterEntries.CurrentStep, afterEntries.StepsTaken, afterEntries.Error, afterEntries.UpdatedAt));
        Assert.Equal((2, 240L, 60L, 0.000246m), (afterEntries.HistoryCount, afterEntries.InputTokens, afterEntries.OutputTokens, afterEntries.Cost));
        RecordedValues.Data(first.Data, afterEntries.Data, "data after two entries");

        await Store.CommitAsync(Step("r1", 1, null) with { State = WorkflowState.WaitingForApproval, CurrentStep = "gate", UpdatedAt = T0 + TimeSpan.FromMinutes(3) }, default);
        var parked = (await Reopen().GetRunAsync("r1", default))!;
        Assert.Equal((WorkflowState.WaitingForApproval, "gate", 2), (parked.State, parked.CurrentStep, parked.HistoryCount));
        RecordedValues.Data(first.Data, parked.Data, "data after parking");
        Assert.Equal(["r1"], Ids(await Reopen().ListRunsAsync(new RunQuery { State = WorkflowState.WaitingForApproval }, default)));

        var third = Entry("r1", 2) with { Data = Bus(("n", 3)) };
        await Store.CommitAsync(Step("r1", 1, third, third.Data) with { State = WorkflowState.WaitingForApproval, CurrentStep = "c", UpdatedAt = T0 + TimeSpan.FromMinutes(4) }, default);
        await Store.CommitAsync(Step("r1", 1, null, Bus(("n", 4))) with { CurrentStep = "d", UpdatedAt = T0 + TimeSpan.FromMinutes(5) }, default);
        var resumed = (await Reopen().GetRunAsync("r1", default))!;
        Assert.Equal((WorkflowState.Running, "d", 3, 360L), (resumed.State, resumed.CurrentStep, resumed.HistoryCount, resumed.InputTokens));
        Assert.Equal(T0 + TimeSpan.FromMinutes(5), resumed.UpdatedAt);
        RecordedValues.Data(Bus(("n", 4)), resumed.Data, "data after a plain checkpoint");
        Assert.Empty(await Reopen().ListRunsAsync(new RunQuery { State = WorkflowState.WaitingForApproval }, default));
        Assert.Equal(3, (await Reopen().GetHistoryAsync("r1", default)).Count);
    }

    /// <summary>Deleting keeps runs in states not named, however old they are.</summary>
    [Fact]
    public async Task DeleteRuns_KeepsRunsNotInTheNamedStates_HoweverOld()
    {
        foreach (var state in Enum.GetValues<WorkflowState>())
        {
            await Store.CreateRunAsync(NewRun(StableNames.Of(state), createdAt: T0, state: state), [], default);
        }

        Clock.Advance(TimeSpan.FromMinutes(1));
        var ended = await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), WorkflowStates.Ended, default);

        Assert.Equal(["cancelled", "completed", "failed"], Ids(ended).Order(StringComparer.Ordinal));
        Assert.Equal(["paused", "pending", "running", "waiting_for_approval"], Ids(await Reopen().ListRunsAsync(new RunQuery(), default)).Order(StringComparer.Ordinal));
        Assert.Equal(["running"], Ids(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), [WorkflowState.Running], default)));
        Assert.Empty(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), [], default));
        Assert.Equal(3, (await Reopen().ListRunsAsync(new RunQuery(), default)).Count);
    }

    /// <summary>A run whose lease is live is being driven: never deleted, whatever its state and age, until the lease expires.</summary>
    [Fact]
    public async Task DeleteRuns_NeverDeletesARunWhoseLeaseIsLive()
    {
        await Store.CreateRunAsync(NewRun("driven", createdAt: T0), [], default);

        Assert.Empty(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), AnyState, default));
        Assert.NotNull(await Reopen().GetRunAsync("driven", default));

        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("driven", Assert.Single(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), AnyState, default)).RunId);
    }

    /// <summary>Deleting goes by the time of a run's latest checkpoint, not its creation.</summary>
    [Fact]
    public async Task DeleteRuns_UsesTheTimeOfTheLatestCheckpoint()
    {
        await Store.CreateRunAsync(NewRun("r1", createdAt: T0), [], default);
        await Store.CommitAsync(Step("r1", 1, Entry("r1", 0)) with { UpdatedAt = T0 + TimeSpan.FromDays(3) }, default);
        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), AnyState, default));
        Assert.Equal("r1", Assert.Single(await Store.DeleteRunsAsync(T0 + TimeSpan.FromDays(4), AnyState, default)).RunId);
    }

    private static readonly WorkflowState[] AnyState = Enum.GetValues<WorkflowState>();

    /// <summary>The ids of <paramref name="runs"/>, in order.</summary>
    protected static string[] Ids(IReadOnlyList<RunRecord> runs) => runs.Select(r => r.RunId).ToArray();

    private static void AssertRun(RunRecord expected, RunRecord actual)
    {
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.WorkflowName, actual.WorkflowName);
        Assert.Equal(expected.Goal, actual.Goal);
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.CurrentStep, actual.CurrentStep);
        Assert.Equal((expected.Visit, expected.Attempt, expected.StepsTaken), (actual.Visit, actual.Attempt, actual.StepsTaken));
        RecordedValues.Data(expected.Data, actual.Data, "data");
        RecordedValues.Data(expected.InitialData, actual.InitialData, "initial data");
        Assert.Equal(expected.DefinitionJson, actual.DefinitionJson);
        Assert.Equal(expected.DefinitionHash, actual.DefinitionHash);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(expected.ParentRunId, actual.ParentRunId);
        Assert.Equal(expected.ParentSequence, actual.ParentSequence);
        Assert.Equal(expected.LeaseOwner, actual.LeaseOwner);
        Assert.Equal(expected.LeaseExpires, actual.LeaseExpires);
        Assert.Equal(expected.Fence, actual.Fence);
        Assert.Equal((expected.InputTokens, expected.OutputTokens, expected.Cost), (actual.InputTokens, actual.OutputTokens, actual.Cost));
    }
}
