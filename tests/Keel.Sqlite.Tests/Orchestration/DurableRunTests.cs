using Keel.CrashHost;
using Keel.Sqlite.Tests.Support;
using Keel.Testing;

namespace Keel.Sqlite.Tests.Orchestration;

/// <summary>The hub over a SQLite file: every "new orchestrator" here also opens its own store over the same file, as a new process would.</summary>
public sealed class DurableRunTests : IDisposable
{
    private const string RunId = "run-00";
    private static readonly Dictionary<string, object?> Seed = new() { ["seed"] = 7 };
    private readonly TempDatabase _db = new();
    private readonly List<SqliteRunStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _db.Dispose();
    }

    [Fact]
    public async Task Resume_AfterInterruption_ContinuesFromTheLastCommittedAttempt()
    {
        var started = new List<string>();
        await InterruptAtAttemptAsync(_db.Path, 4);

        var result = await NewOrchestrator(_db.Path, "second", (ctx, _) => { started.Add(ctx.Attempt.IdempotencyKey); return ValueTask.CompletedTask; }).ResumeAsync(RunId);

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(9, result.History.Count);
        Assert.Equal($"{RunId}:test:1:2", started[0]);
        Assert.Equal(6, started.Count);
    }

    [Fact]
    public async Task Execute_OrdinaryAttempts_CommitOnlyTheirHistoryRows_TheRunRowOnlyAtStateChanges()
    {
        var result = await NewOrchestrator(_db.Path, "solo").ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed });
        Assert.Equal(WorkflowState.Completed, result.State);

        using var raw = _db.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT count(*) FROM history WHERE run_id = $id AND pos_step IS NOT NULL;";
        command.Parameters.AddWithValue("$id", RunId);
        var carrying = (long)command.ExecuteScalar()!;

        // Every attempt but the last (which completes the run and rewrites its row) carries the position.
        Assert.Equal(result.History.Count - 1, carrying);
    }

    [Fact]
    public async Task Resume_InterruptedAtEveryStepBoundary_MatchesTheUninterruptedRunFieldByField()
    {
        using var baselineDb = new TempDatabase();
        var baseline = await NewOrchestrator(baselineDb.Path, "baseline").ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed });
        Assert.Equal(WorkflowState.Completed, baseline.State);
        Assert.Equal(9, baseline.History.Count);
        var baselineStored = await NewOrchestrator(baselineDb.Path, "baseline-reader").GetResultAsync(RunId);

        for (var attempt = 1; attempt <= baseline.History.Count; attempt++)
        {
            using var db = new TempDatabase();
            await InterruptAtAttemptAsync(db.Path, attempt);
            var interruptedRecord = await NewOrchestrator(db.Path, "reader").GetRunAsync(RunId);
            Assert.Equal(attempt - 1, interruptedRecord.HistoryCount);

            var resumed = await NewOrchestrator(db.Path, "resumer-" + attempt).ResumeAsync(RunId);
            var stored = await NewOrchestrator(db.Path, "reader-" + attempt).GetResultAsync(RunId);

            Assert.Equal(WorkflowState.Completed, resumed.State);
            RecordedValues.History(baseline.History, resumed.History, exact: false);
            RecordedValues.History(baselineStored.History, stored.History, exact: false);
            RecordedValues.Data(baseline.Data, resumed.Data, $"data after interruption at attempt {attempt}");
            RecordedValues.Data(baseline.Data, stored.Data, $"stored data after interruption at attempt {attempt}");
            Assert.Equal(baseline.Usage, resumed.Usage);
            Assert.Equal(KeelJson.ToText(baseline.FinalOutput!.Value), KeelJson.ToText(resumed.FinalOutput!.Value));
            Assert.Equal(baseline.History.Select(h => h.IdempotencyKey), stored.History.Select(h => h.IdempotencyKey));
        }
    }

    [Fact]
    public async Task Resume_WhenTheRegisteredDefinitionChanged_IsRefusedUnlessAllowed()
    {
        await InterruptAtAttemptAsync(_db.Path, 3);
        var changed = CrashWorkflow.Definition();
        var deploy = changed.GetStep("deploy")!;
        var edited = new WorkflowDefinition(changed.Name, changed.Description, changed.Goal);
        foreach (var step in changed.Steps)
        {
            edited.AddStep(step.StepId == "deploy" ? deploy with { MaxRetries = 3 } : step, isInitial: step.StepId == "plan");
        }

        var orchestrator = NewOrchestrator(_db.Path, "changed");
        orchestrator.RegisterWorkflow(edited);

        var error = await Assert.ThrowsAsync<DefinitionChangedException>(() => orchestrator.ResumeAsync(RunId));
        Assert.Equal(RunId, error.RunId);
        var untouched = await orchestrator.GetRunAsync(RunId);
        Assert.Equal(WorkflowState.Running, untouched.State);
        Assert.Equal(2, untouched.HistoryCount);

        var result = await orchestrator.ResumeAsync(RunId, new ResumeOptions { AllowDefinitionChange = true });
        Assert.Equal(WorkflowState.Completed, result.State);
    }

    [Fact]
    public async Task Resume_ByTwoOrchestratorsAtOnce_ExactlyOneProceeds()
    {
        await InterruptAtAttemptAsync(_db.Path, 2);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask Hold(WorkflowContext context, CancellationToken cancellationToken) => new(gate.Task);
        var first = NewOrchestrator(_db.Path, "owner-one", Hold);
        var second = NewOrchestrator(_db.Path, "owner-two", Hold);

        var one = first.ResumeAsync(RunId);
        var two = second.ResumeAsync(RunId);
        var loser = await Task.WhenAny(one, two);
        var error = await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => loser);
        gate.SetResult();
        var winner = await (loser == one ? two : one);

        Assert.Equal(RunId, error.RunId);
        Assert.Equal(WorkflowState.Completed, winner.State);
        var stored = await NewOrchestrator(_db.Path, "reader").GetResultAsync(RunId);
        Assert.Equal(9, stored.History.Count);
        Assert.Equal(9, stored.History.Select(h => h.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public async Task Approval_WaitingRun_SurvivesARestartAndFollowsTheDecision()
    {
        var first = ApprovalOrchestrator("first");
        var waiting = await first.ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-1" });
        Assert.Equal(WorkflowState.WaitingForApproval, waiting.State);
        Assert.Equal("Publish it?", waiting.Prompt);

        var second = ApprovalOrchestrator("second");
        var reread = await second.GetResultAsync("post-1");
        Assert.Equal(WorkflowState.WaitingForApproval, reread.State);
        Assert.Equal("Publish it?", reread.Prompt);
        var approved = await second.ApproveAsync("post-1", "approve", "alice", "looks good");

        Assert.Equal(WorkflowState.Completed, approved.State);
        var stored = await ApprovalOrchestrator("third").GetResultAsync("post-1");
        Assert.Equal(["draft", "approve", "publish"], stored.Path);
        var decision = stored.History[1];
        Assert.Equal(AttemptOutcome.Approved, decision.Outcome);
        Assert.Equal("alice", decision.WorkerName);
        Assert.Contains("looks good", KeelJson.ToText(decision.Output), StringComparison.Ordinal);
        Assert.Equal("publish", decision.NextStep);
    }

    [Fact]
    public async Task Approval_RejectedAfterARestart_FollowsOnFailure()
    {
        await ApprovalOrchestrator("first").ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-2" });

        var rejected = await ApprovalOrchestrator("second").RejectAsync("post-2", "approve", "bob", "off topic");

        Assert.Equal(WorkflowState.Failed, rejected.State);
        var decision = (await ApprovalOrchestrator("third").GetResultAsync("post-2")).History[1];
        Assert.Equal(AttemptOutcome.Rejected, decision.Outcome);
        Assert.Equal("off topic", decision.Error);
    }

    [Fact]
    public async Task Cancel_WaitingRun_IsRecordedAndSurvivesARestart()
    {
        await ApprovalOrchestrator("first").ExecuteWorkflowAsync("publish", "a post", new ExecuteOptions { RunId = "post-3" });

        var cancelled = await ApprovalOrchestrator("second").CancelAsync("post-3", "carol", "no longer needed");

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var stored = await ApprovalOrchestrator("third").GetResultAsync("post-3");
        Assert.Equal(WorkflowState.Cancelled, stored.State);
        var last = stored.History[^1];
        Assert.Equal(AttemptOutcome.Cancelled, last.Outcome);
        Assert.Equal("carol", last.WorkerName);
        Assert.Equal("no longer needed", last.Error);
    }

    [Fact]
    public async Task Fork_FromACommittedAttempt_CopiesThePrefixAndRunsOnlyTheRest()
    {
        var original = await NewOrchestrator(_db.Path, "first").ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed });
        var forkAt = original.History.ToList().FindIndex(h => h.StepId == "code" && h.Visit == 2);
        var calls = new List<string>();

        var fork = await NewOrchestrator(_db.Path, "forker", (ctx, _) => { calls.Add(ctx.Attempt.StepId); return ValueTask.CompletedTask; }).ForkAsync(RunId, forkAt);

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.Equal(["code", "test", "review", "deploy"], calls);
        var reader = NewOrchestrator(_db.Path, "reader");
        var record = await reader.GetRunAsync(fork.RunId);
        Assert.Equal((RunId, forkAt), (record.ParentRunId, record.ParentSequence));
        var stored = await reader.GetResultAsync(fork.RunId);
        RecordedValues.History(original.History, stored.History, exact: false);
        Assert.All(stored.History, h => Assert.Equal(fork.RunId, h.RunId));
        RecordedValues.Data(original.Data, stored.Data, "forked data");
    }

    [Fact]
    public async Task Resume_UnknownRun_ThrowsRunNotFound()
        => await Assert.ThrowsAsync<RunNotFoundException>(() => NewOrchestrator(_db.Path, "x").ResumeAsync("missing"));

    /// <summary>Executes the workflow and interrupts it inside attempt <paramref name="attempt"/> (1-based): that attempt is not committed.</summary>
    private async Task InterruptAtAttemptAsync(string path, int attempt)
    {
        using var cancel = new CancellationTokenSource();
        var count = 0;
        var orchestrator = NewOrchestrator(path, "interrupted", async (ctx, ct) =>
        {
            if (++count == attempt)
            {
                await cancel.CancelAsync();
                ct.ThrowIfCancellationRequested();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => orchestrator.ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed }, cancel.Token));
    }

    private Orchestrator NewOrchestrator(string path, string owner, Func<WorkflowContext, CancellationToken, ValueTask>? beforeWork = null)
    {
        var store = SqliteRunStore.Open(path);
        _stores.Add(store);
        return CrashWorkflow.Register(new Orchestrator(new OrchestratorOptions { RunStore = store, OwnerId = owner }), beforeWork);
    }

    private Orchestrator ApprovalOrchestrator(string owner)
    {
        var store = SqliteRunStore.Open(_db.Path);
        _stores.Add(store);
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store, OwnerId = owner });
        orchestrator.RegisterWorker(new WorkerDefinition(new WorkerType("writer"), "Writer", "writes", (input, ctx, ct) => new ValueTask<object?>("draft of " + ctx.Goal)));
        orchestrator.RegisterWorker(new WorkerDefinition(new WorkerType("publisher"), "Publisher", "publishes", (input, ctx, ct) => new ValueTask<object?>("published")));
        var workflow = new WorkflowDefinition("publish", "draft, approve, publish");
        workflow.AddStep(new WorkflowStep("draft", new WorkerType("writer"), onSuccess: "approve"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("approve", "Publish it?", onApproved: "publish", onRejected: WorkflowStep.Failed));
        workflow.AddStep(new WorkflowStep("publish", new WorkerType("publisher")));
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }
}
