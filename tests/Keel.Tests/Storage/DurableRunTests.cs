using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

public sealed class DurableRunTests
{
    private readonly RecordingTimeProvider _clock = new();
    private readonly InMemoryRunStore _store = new();

    /// <summary>An orchestrator (a process) on the shared store, with its own workers.</summary>
    private (Orchestrator Orchestrator, FakeWorker ProductManager, FakeWorker Coder, FakeWorker Reviewer) Process(string owner, WorkflowDefinition? workflow = null)
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(_clock, _store, ownerId: owner).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(workflow ?? Workflows.CreateBuildWebsiteWorkflow());
        return (orchestrator, pm, coder, reviewer);
    }

    /// <summary>Makes a worker block on the given attempt until its token is cancelled.</summary>
    private static Signal BlockOn(FakeWorker worker, int attempt, Func<WorkerCall, object?>? otherwise = null)
    {
        var blocked = new Signal();
        worker.OnCallAsync = async (call, _, token) =>
        {
            if (call.Attempt == attempt && !blocked.IsSet)
            {
                blocked.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }

            return otherwise is null ? "code v" + call.Attempt : otherwise(call);
        };
        return blocked;
    }

    /// <summary>Starts a run, waits until <paramref name="blocked"/> fires, then interrupts it as a stopping process would.</summary>
    private static async Task Interrupt(Orchestrator orchestrator, string runId, Signal blocked, string workflow = "build_website")
    {
        using var stop = new CancellationTokenSource();
        var run = orchestrator.ExecuteWorkflowAsync(workflow, "Portfolio", new ExecuteOptions { RunId = runId }, stop.Token);
        await blocked.WaitAsync();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Resume_InAnotherProcess_ContinuesFromLastCommitAndRerunsTheAttemptInFlightWithTheSameKey()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 2, otherwise: call => call.Attempt == 1 ? Hub.Fail("flaky compiler") : "code");
        await Interrupt(first.Orchestrator, "run-resume", blocked);

        var stored = await _store.GetRunAsync("run-resume", CancellationToken.None);
        Assert.Equal((WorkflowState.Running, "implement_code", 1, 2), (stored!.State, stored.CurrentStep, stored.Visit, stored.Attempt));
        Assert.Null(stored.LeaseOwner);

        var second = Process("process-2");
        second.Coder.OnCall = (_, _) => "code from process 2";
        var result = await second.Orchestrator.ResumeAsync("run-resume");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(0, second.ProductManager.CallCount);
        var inFlightKey = first.Coder.Calls[1].IdempotencyKey;
        Assert.Equal("run-resume:implement_code:1:2", inFlightKey);
        Assert.Equal(inFlightKey, second.Coder.Calls.Single().IdempotencyKey);
        Assert.Equal(
            [("create_specs", 1, AttemptOutcome.Succeeded), ("implement_code", 1, AttemptOutcome.Failed), ("implement_code", 2, AttemptOutcome.Succeeded), ("review_code", 1, AttemptOutcome.Succeeded)],
            result.History.Select(e => (e.StepId, e.Attempt, e.Outcome)));
        Assert.Equal([0, 1, 2, 3], result.History.Select(e => e.Sequence));
        Assert.Equal("code from process 2", second.Reviewer.Calls.Single().Input.GetString());
        Assert.Equal(result.History.Count, (await _store.GetHistoryAsync("run-resume", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Resume_RunThatEnded_ReturnsTheStoredResultWithoutRunningAnything()
    {
        var process = Process("p");
        var done = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g");

        var again = await process.Orchestrator.ResumeAsync(done.RunId);

        Assert.Equal(WorkflowState.Completed, again.State);
        Assert.Equal(1, process.ProductManager.CallCount);
        Assert.Equal(done.History.Select(e => e.StepId), again.History.Select(e => e.StepId));
        await Assert.ThrowsAsync<RunNotFoundException>(() => process.Orchestrator.ResumeAsync("no-such-run"));
    }

    [Fact]
    public async Task Resume_RegisteredDefinitionChanged_IsRefusedUnlessAllowed()
    {
        var first = Process("p1");
        await Interrupt(first.Orchestrator, "run-pinned", BlockOn(first.Coder, attempt: 1));

        var changed = Workflows.CreateBuildWebsiteWorkflow();
        changed.MaxSteps = 30;
        var second = Process("p2", changed);
        var refused = await Assert.ThrowsAsync<DefinitionChangedException>(() => second.Orchestrator.ResumeAsync("run-pinned"));
        Assert.Equal(("run-pinned", "build_website"), (refused.RunId, refused.WorkflowName));
        Assert.NotEqual(refused.PinnedHash, refused.RegisteredHash);
        Assert.Contains("AllowDefinitionChange", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, second.Coder.CallCount);

        var result = await second.Orchestrator.ResumeAsync("run-pinned", new ResumeOptions { AllowDefinitionChange = true });

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, second.Coder.CallCount);
    }

    [Fact]
    public async Task Resume_SameDefinitionRegisteredAgain_IsNotAChange()
    {
        var first = Process("p1");
        await Interrupt(first.Orchestrator, "run-same", BlockOn(first.Coder, attempt: 1));

        var second = Process("p2", Workflows.CreateBuildWebsiteWorkflow());
        var result = await second.Orchestrator.ResumeAsync("run-same");

        Assert.Equal(WorkflowState.Completed, result.State);
    }

    private static WorkflowDefinition Publishing(string onRejected = "draft")
    {
        var workflow = new WorkflowDefinition("publishing");
        workflow.AddStep(new WorkflowStep("draft", WorkerType.Coder, onSuccess: "sign_off"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign_off", "Publish this draft?", onApproved: "publish", onRejected: onRejected));
        workflow.AddStep(new WorkflowStep("publish", WorkerType.Deployer));
        return workflow;
    }

    private (Orchestrator Orchestrator, FakeWorker Drafter, FakeWorker Publisher) PublishingProcess(string onRejected = "draft")
    {
        var drafter = new FakeWorker(WorkerType.Coder, "Drafter") { OnCall = (call, _) => $"draft v{call.Visit}" };
        var publisher = new FakeWorker(WorkerType.Deployer, "Publisher");
        var orchestrator = Hub.Create(_clock, _store).With(drafter, publisher);
        orchestrator.RegisterWorkflow(Publishing(onRejected));
        return (orchestrator, drafter, publisher);
    }

    [Fact]
    public async Task Execute_ApprovalStep_ParksTheRunWithThePrompt()
    {
        var (orchestrator, drafter, publisher) = PublishingProcess();

        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        Assert.Equal(WorkflowState.WaitingForApproval, waiting.State);
        Assert.Equal("sign_off", waiting.CurrentStep);
        Assert.Equal("Publish this draft?", waiting.Prompt);
        Assert.Equal(1, drafter.CallCount);
        Assert.Equal(0, publisher.CallCount);
        var stored = await orchestrator.GetResultAsync(waiting.RunId);
        Assert.Equal((WorkflowState.WaitingForApproval, "Publish this draft?"), (stored.State, stored.Prompt));
        Assert.Equal(WorkflowState.WaitingForApproval, (await orchestrator.ResumeAsync(waiting.RunId)).State);
    }

    [Fact]
    public async Task ApproveAsync_RecordsTheDecisionAndFollowsOnSuccess()
    {
        var (orchestrator, _, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var result = await orchestrator.ApproveAsync(waiting.RunId, "sign_off", by: "ann", comment: "ship it");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, publisher.CallCount);
        var decision = result.History.Single(e => e.StepId == "sign_off");
        Assert.Equal((AttemptOutcome.Approved, "ann", "publish"), (decision.Outcome, decision.WorkerName, decision.NextStep));
        Assert.Equal("approved", decision.Output.GetProperty("decision").GetString());
        Assert.Equal("ann", decision.Output.GetProperty("by").GetString());
        Assert.Equal("ship it", decision.Output.GetProperty("comment").GetString());
        Assert.Equal("Publish this draft?", decision.Input.GetString());
        Assert.Equal(RecordingTimeProvider.Epoch, decision.Timestamp);
        Assert.Equal("draft v1", publisher.Calls[0].Input.GetString());
    }

    [Fact]
    public async Task RejectAsync_RecordsTheDecisionAndFollowsOnFailure()
    {
        var (orchestrator, drafter, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var again = await orchestrator.RejectAsync(waiting.RunId, "sign_off", by: "bob", comment: "too long");

        Assert.Equal(WorkflowState.WaitingForApproval, again.State);
        Assert.Equal([1, 2], drafter.Calls.Select(c => c.Visit));
        Assert.Equal(0, publisher.CallCount);
        var rejection = again.History.Single(e => e.Outcome == AttemptOutcome.Rejected);
        Assert.Equal(("bob", "too long", "draft"), (rejection.WorkerName, rejection.Error, rejection.NextStep));
        Assert.Equal("rejected", rejection.Output.GetProperty("decision").GetString());

        var done = await orchestrator.ApproveAsync(waiting.RunId, "sign_off", by: "bob");

        Assert.Equal(WorkflowState.Completed, done.State);
        Assert.Equal("draft v2", publisher.Calls.Single().Input.GetString());
        Assert.Equal(["draft", "sign_off", "draft", "sign_off", "publish"], done.Path);
    }

    [Fact]
    public async Task RejectAsync_OnFailureFailed_EndsTheRunWithTheReason()
    {
        var (orchestrator, _, _) = PublishingProcess(onRejected: WorkflowStep.Failed);
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var result = await orchestrator.RejectAsync(waiting.RunId, "sign_off", by: "carol", comment: "off brand");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("rejected by carol", result.Error, StringComparison.Ordinal);
        Assert.Contains("off brand", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveAsync_WrongStepOrRunNotWaiting_IsRefused()
    {
        var (orchestrator, _, _) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var wrongStep = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "publish"));
        Assert.Contains("'publish'", wrongStep.Message, StringComparison.Ordinal);
        await orchestrator.ApproveAsync(waiting.RunId, "sign_off");
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "sign_off"));
    }

    [Fact]
    public async Task Execute_ApprovalStepWithoutStore_IsRefused()
    {
        var orchestrator = Hub.Create(_clock).With(new FakeWorker(WorkerType.Coder), new FakeWorker(WorkerType.Deployer));
        orchestrator.RegisterWorkflow(Publishing());

        var error = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("publishing", "g"));

        Assert.Contains("RunStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForkAsync_FromACommittedAttempt_CopiesThePrefixAndRerunsFromThere()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.Data["spec_version"] = 1;
            return "specs";
        };
        var coderRuns = 0;
        process.Coder.OnCall = (_, context) =>
        {
            coderRuns++;
            context.Data["coder_run"] = coderRuns;
            return "code #" + coderRuns + " with spec " + context.Data.Get<int>("spec_version");
        };
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        var fork = await process.Orchestrator.ForkAsync(original.RunId, 1, data: new Dictionary<string, object?> { ["tone"] = "formal" });

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.NotEqual(original.RunId, fork.RunId);
        Assert.Equal(1, process.ProductManager.CallCount);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Equal(3, fork.History.Count);
        Assert.Equal(original.History[0] with { RunId = fork.RunId }, fork.History[0]);
        Assert.Equal("code #2 with spec 1", fork.History[1].Output.GetString());
        Assert.Equal(2, fork.Data["coder_run"].GetInt32());
        Assert.Equal("formal", fork.Data["tone"].GetString());
        Assert.All(fork.History, e => Assert.Equal(fork.RunId, e.RunId));
        var record = await process.Orchestrator.GetRunAsync(fork.RunId);
        Assert.Equal((original.RunId, 1), (record.ParentRunId, record.ParentSequence));
        Assert.Equal(3, (await process.Orchestrator.GetResultAsync(original.RunId)).History.Count);
    }

    [Fact]
    public async Task ForkAsync_SequenceOutOfRange_IsRefusedNamingTheRun()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g");

        var error = await Assert.ThrowsAsync<KeelException>(() => process.Orchestrator.ForkAsync(original.RunId, 3));

        Assert.Contains(original.RunId, error.Message, StringComparison.Ordinal);
        Assert.Contains("#3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_TokenBudgetSpent_StopsTheRunAsFailedBeforeTheNextCall()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(60, 20, "model-a"));
            return "specs";
        };
        process.Coder.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(30, 10, "model-a"));
            return "code";
        };

        var result = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { MaxTokens = 100 });

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(0, process.Reviewer.CallCount);
        Assert.Contains("token budget of 100", result.Error, StringComparison.Ordinal);
        Assert.Contains("120", result.Error, StringComparison.Ordinal);
        Assert.Equal(120, result.Usage!.TotalTokens);
        Assert.Equal(new TokenUsage(60, 20, "model-a"), result.History[0].Usage);
        var stored = await process.Orchestrator.GetRunAsync(result.RunId);
        Assert.Equal((WorkflowState.Failed, 90L, 30L), (stored.State, stored.InputTokens, stored.OutputTokens));
    }

    [Fact]
    public async Task Execute_CostBudgetSpent_StopsTheRunAsFailed()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.ReportUsage(new TokenUsage(1, 1, "m", Cost: 0.75m));
            return "specs";
        };

        var result = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { MaxCost = 0.5m });

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(0, process.Coder.CallCount);
        Assert.Contains("cost budget", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_RunHeldByAnotherProcess_IsRefused()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 1);
        using var stop = new CancellationTokenSource();
        var running = first.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "run-held" }, stop.Token);
        await blocked.WaitAsync();

        var second = Process("process-2");
        var elsewhere = await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => second.Orchestrator.ResumeAsync("run-held"));
        Assert.Equal(("run-held", "process-1"), (elsewhere.RunId, elsewhere.Owner));
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => first.Orchestrator.ResumeAsync("run-held"));
        Assert.Equal(0, second.Coder.CallCount);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WorkflowState.Completed, (await second.Orchestrator.ResumeAsync("run-held")).State);
    }

    [Fact]
    public async Task Resume_LeaseOfADeadProcess_IsTakenOverOnlyOnceItExpiresAndFencesTheOldOwner()
    {
        var first = Process("process-1");
        await Interrupt(first.Orchestrator, "run-dead", BlockOn(first.Coder, attempt: 1));
        var deadFence = await _store.TryAcquireLeaseAsync("run-dead", "dead-process", _clock.GetUtcNow(), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.NotNull(deadFence);

        var second = Process("process-2");
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => second.Orchestrator.ResumeAsync("run-dead"));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var result = await second.Orchestrator.ResumeAsync("run-dead");

        Assert.Equal(WorkflowState.Completed, result.State);
        var late = new Checkpoint
        {
            RunId = "run-dead",
            Fence = deadFence!.Value,
            State = WorkflowState.Failed,
            CurrentStep = WorkflowStep.Failed,
            Visit = 1,
            Attempt = 1,
            StepsTaken = 1,
            UpdatedAt = _clock.GetUtcNow(),
        };
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => _store.CommitAsync(late, CancellationToken.None).AsTask());
        Assert.Equal(WorkflowState.Completed, (await _store.GetRunAsync("run-dead", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Execute_WithStore_CommitsEveryAttemptAndTheDataBus()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.Data["audience"] = "recruiters";
            return new { pages = 3 };
        };

        var result = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g", data: new Dictionary<string, object?> { ["tech_stack"] = new[] { "html" } });

        var stored = await _store.GetRunAsync(result.RunId, CancellationToken.None);
        var history = await _store.GetHistoryAsync(result.RunId, CancellationToken.None);
        Assert.Equal((WorkflowState.Completed, WorkflowStep.Complete, 3), (stored!.State, stored.CurrentStep, stored.HistoryCount));
        Assert.Equal("recruiters", stored.Data["audience"].GetString());
        Assert.Equal(JsonValueKind.Array, stored.InitialData["tech_stack"].ValueKind);
        Assert.False(stored.InitialData.ContainsKey("audience"));
        Assert.Equal("recruiters", history[0].Data!["audience"].GetString());
        Assert.Null(history[1].Data);
        Assert.Equal(result.History, history);
    }

    [Fact]
    public async Task Resume_WorkersSeeTheSameValuesAsAnUninterruptedRun()
    {
        static object? Specs(WorkerCall call, WorkflowContext context)
        {
            context.Data["budget"] = 1234.50m;
            context.Data["deadline"] = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
            context.Data["sections"] = new List<string> { "hero", "about" };
            return new SpecsRecord("Portfolio", 3, [1.5, 2.25]);
        }

        static object? Seen(WorkerCall call, WorkflowContext context)
            => new { input = call.Input.GetRawText(), data = string.Join("|", context.Data.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value.GetRawText())) };

        var straight = Process("straight");
        straight.ProductManager.OnCall = Specs;
        straight.Coder.OnCall = Seen;
        var uninterrupted = await straight.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        var first = Process("p1");
        first.ProductManager.OnCall = Specs;
        await Interrupt(first.Orchestrator, "run-values", BlockOn(first.Coder, attempt: 1));
        var second = Process("p2");
        second.Coder.OnCall = Seen;
        var resumed = await second.Orchestrator.ResumeAsync("run-values");

        Assert.Equal(uninterrupted.History[1].Output.GetRawText(), resumed.History[1].Output.GetRawText());
        Assert.Equal(first.Coder.Calls[0].Input.GetRawText(), second.Coder.Calls[0].Input.GetRawText());
    }

    private sealed record SpecsRecord(string Title, int Pages, double[] Ratios);

    [Fact]
    public async Task CancelAsync_RunWaitingForApproval_EndsItCancelled()
    {
        var (orchestrator, _, publisher) = PublishingProcess();
        var waiting = await orchestrator.ExecuteWorkflowAsync("publishing", "g");

        var cancelled = await orchestrator.CancelAsync(waiting.RunId, by: "dana", reason: "project dropped");

        Assert.Equal(WorkflowState.Cancelled, cancelled.State);
        var entry = cancelled.History[^1];
        Assert.Equal(("sign_off", AttemptOutcome.Cancelled, "dana", "project dropped"), (entry.StepId, entry.Outcome, entry.WorkerName, entry.Error));
        await Assert.ThrowsAsync<KeelException>(() => orchestrator.ApproveAsync(waiting.RunId, "sign_off"));
        Assert.Equal(0, publisher.CallCount);
    }

    [Fact]
    public async Task RecoverAsync_ResumesEveryInterruptedRunWhoseLeaseIsFree()
    {
        var first = Process("p1");
        await Interrupt(first.Orchestrator, "run-recover", BlockOn(first.Coder, attempt: 1));
        var done = await first.Orchestrator.ExecuteWorkflowAsync("build_website", "g");

        var second = Process("p2");
        var recovered = await second.Orchestrator.RecoverAsync();

        var run = Assert.Single(recovered);
        Assert.Equal(("run-recover", WorkflowState.Completed), (run.RunId, run.State));
        Assert.Equal(1, second.Coder.CallCount);
        Assert.Equal(0, second.ProductManager.CallCount);
        Assert.Equal(WorkflowState.Completed, (await second.Orchestrator.GetRunAsync(done.RunId)).State);
    }

    [Fact]
    public async Task Execute_LeaseTakenOverWhileAttemptInFlight_StopsWithoutWriting()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 1);
        var run = first.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "run-stolen" });
        await blocked.WaitAsync();

        // Another process takes the lease over (as if this one had stalled past its lease).
        var thief = await _store.TryAcquireLeaseAsync("run-stolen", "process-2", _clock.GetUtcNow() + TimeSpan.FromHours(1), TimeSpan.FromHours(2), CancellationToken.None);
        Assert.NotNull(thief);
        _clock.Advance(TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        var history = await _store.GetHistoryAsync("run-stolen", CancellationToken.None);
        Assert.Equal(["create_specs"], history.Select(e => e.StepId));
        var stored = await _store.GetRunAsync("run-stolen", CancellationToken.None);
        Assert.Equal(("process-2", thief, WorkflowState.Running), (stored!.LeaseOwner, (long?)stored.Fence, stored.State));
    }
}
