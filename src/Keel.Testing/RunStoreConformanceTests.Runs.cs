using System.Text.Json;

namespace Keel.Testing;

/// <summary>Forks, budgets, run events, start-and-return with a worker loop, and pause and cancel from another process.</summary>
public abstract partial class RunStoreConformanceTests
{
    /// <summary>A fork from a committed attempt copies the history before it and runs again from there.</summary>
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
        RecordedValues.Entry(original.History[0] with { RunId = fork.RunId }, fork.History[0], exact: true);
        Assert.Equal("code #2 with spec 1", fork.History[1].Output.GetString());
        Assert.Equal(2, fork.Data["coder_run"].GetInt32());
        Assert.Equal("formal", fork.Data["tone"].GetString());
        Assert.All(fork.History, e => Assert.Equal(fork.RunId, e.RunId));
        var record = await process.Orchestrator.GetRunAsync(fork.RunId);
        Assert.Equal((original.RunId, 1), (record.ParentRunId, record.ParentSequence));
        Assert.Equal(3, (await process.Orchestrator.GetResultAsync(original.RunId)).History.Count);
    }

    /// <summary>
    /// A fork of a fork starts from the data the first fork was given, even when no attempt after its fork
    /// point changed the bus (so no entry carries the edit); a fork from before that point does not see it,
    /// and the stored marker never reaches a worker's bus or the result.
    /// </summary>
    [Fact]
    public async Task ForkAsync_OfAForkWithEditedData_StartsFromTheEditedData()
    {
        var process = Process("p");
        var seen = new List<(string Step, string? Tone, bool Marker)>();
        void See(string step, WorkflowContext context)
            => seen.Add((step, context.Data.TryGetValue("tone", out var tone) ? tone.GetString() : null, context.Data.Keys.Any(k => k.StartsWith("keel.", StringComparison.Ordinal))));
        process.ProductManager.OnCall = (_, context) =>
        {
            See("pm", context);
            context.Data["spec_version"] = 1;
            return "specs";
        };
        process.Coder.OnCall = (_, context) =>
        {
            See("coder", context);
            return "code";
        };
        process.Reviewer.OnCall = (_, context) =>
        {
            See("reviewer", context);
            return "approved";
        };
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        var first = await process.Orchestrator.ForkAsync(original.RunId, 1, data: new Dictionary<string, object?> { ["tone"] = "formal" });
        seen.Clear();

        var second = await process.Orchestrator.ForkAsync(first.RunId, 2);
        var atTheSamePoint = await process.Orchestrator.ForkAsync(first.RunId, 1);
        var ofTheSecond = await process.Orchestrator.ForkAsync(second.RunId, 2);
        var beforeTheEdit = await process.Orchestrator.ForkAsync(first.RunId, 0);

        Assert.Equal(
            [("reviewer", "formal", false), ("coder", "formal", false), ("reviewer", "formal", false), ("reviewer", "formal", false),
             ("pm", null, false), ("coder", null, false), ("reviewer", null, false)],
            seen);
        Assert.All(new[] { second, atTheSamePoint, ofTheSecond }, r => Assert.Equal("formal", r.Data["tone"].GetString()));
        Assert.False(beforeTheEdit.Data.ContainsKey("tone"));
        Assert.All(new[] { first, second, atTheSamePoint, ofTheSecond, beforeTheEdit }, r => Assert.DoesNotContain(r.Data.Keys, k => k.StartsWith("keel.", StringComparison.Ordinal)));
        Assert.All(new[] { second, atTheSamePoint, ofTheSecond, beforeTheEdit }, r => Assert.Equal(WorkflowState.Completed, r.State));
    }

    /// <summary>A fork at a sequence outside the run's history is refused, naming the run.</summary>
    [Fact]
    public async Task ForkAsync_SequenceOutOfRange_IsRefusedNamingTheRun()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g");

        var error = await Assert.ThrowsAsync<KeelException>(() => process.Orchestrator.ForkAsync(original.RunId, 3));

        Assert.Contains(original.RunId, error.Message, StringComparison.Ordinal);
        Assert.Contains("#3", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A fork from a committed attempt copies the prefix and runs only the rest of the workflow.</summary>
    [Fact]
    public async Task Fork_FromACommittedAttempt_CopiesThePrefixAndRunsOnlyTheRest()
    {
        var original = await NewOrchestrator("first").ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed });
        var forkAt = original.History.ToList().FindIndex(h => h.StepId == "code" && h.Visit == 2);
        var calls = new List<string>();

        var fork = await NewOrchestrator("forker", (ctx, _) => { calls.Add(ctx.Attempt.StepId); return ValueTask.CompletedTask; }).ForkAsync(RunId, forkAt);

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.Equal(["code", "test", "review", "deploy"], calls);
        var reader = NewOrchestrator("reader");
        var record = await reader.GetRunAsync(fork.RunId);
        Assert.Equal((RunId, forkAt), (record.ParentRunId, record.ParentSequence));
        var stored = await reader.GetResultAsync(fork.RunId);
        RecordedValues.History(original.History, stored.History, exact: false);
        Assert.All(stored.History, h => Assert.Equal(fork.RunId, h.RunId));
        RecordedValues.Data(original.Data, stored.Data, "forked data");
    }

    /// <summary>A run whose token budget is spent stops as failed before its next model call.</summary>
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

    /// <summary>A run whose cost budget is spent stops as failed.</summary>
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

    /// <summary>A budget given at the start is honoured by a resume that does not pass it again.</summary>
    [Fact]
    public async Task Resume_BudgetGivenAtStart_IsHonouredWithoutBeingPassedAgain()
    {
        var calls = 0;
        Orchestrator Build(Func<CancellationToken, Task> second)
        {
            var orchestrator = Hub(null);
            orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "spends tokens", async (input, context, ct) =>
            {
                calls++;
                context.ReportUsage(new TokenUsage(600, 0));
                if (context.Attempt.StepId == "second")
                {
                    await second(ct);
                }

                return "ok";
            }));
            orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline(
                [("first", WorkerType.Coder, "1"), ("second", WorkerType.Coder, "2"), ("third", WorkerType.Coder, "3")], name: "budgeted"));
            return orchestrator;
        }

        using var interrupt = new CancellationTokenSource();
        var first = Build(async ct =>
        {
            await interrupt.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.ExecuteWorkflowAsync("budgeted", "goal", new ExecuteOptions { MaxTokens = 1000 }, interrupt.Token));
        var runId = (await Store.ListRunsAsync(new RunQuery(), default))[0].RunId;
        Assert.Equal(1000, (await Store.GetRunAsync(runId, default))!.MaxTokens);

        var result = await Build(_ => Task.CompletedTask).ResumeAsync(runId);

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("token budget of 1000", result.Error, StringComparison.Ordinal);
        Assert.Equal(["first", "second"], result.History.Select(e => e.StepId));
        Assert.Equal(3, calls);
    }

    /// <summary>A run writes events numbered from 1 without gaps, and listeners see the same events.</summary>
    [Fact]
    public async Task Execute_WritesEventsNumberedFromOneWithoutGaps_AndListenersSeeTheSame()
    {
        var recorder = new Recorder();
        var orchestrator = Process("p1", listener: recorder).Orchestrator;

        await orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "r" });

        var stored = await Store.GetEventsAsync("r", 0, 100, default);
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.Equal(
            ["run_created", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "run_ended"],
            stored.Select(e => e.Type));
        Assert.Equal(stored.Select(e => (e.Sequence, e.Type)), recorder.Events.Select(e => (e.Sequence, e.Type)));
        Assert.Equal(WorkflowState.Completed, Assert.IsType<RunEnded>(stored[^1]).State);
        var watched = new List<long>();
        await foreach (var runEvent in orchestrator.WatchAsync("r", 3))
        {
            watched.Add(runEvent.Sequence);
        }

        Assert.Equal(Enumerable.Range(4, stored.Count - 3).Select(i => (long)i), watched);
    }

    /// <summary>A started run is stored pending, a worker loop in another process drives it, and the handle waits for its result.</summary>
    [Fact]
    public async Task Start_StoresAPendingRun_AWorkerLoopInAnotherProcessDrivesIt_TheHandleWaits()
    {
        var starter = Process("starter");
        var handle = await starter.Orchestrator.StartAsync("build_website", "g", new ExecuteOptions { RunId = "queued" });

        var pending = await Store.GetRunAsync("queued", default);
        Assert.Equal((WorkflowState.Pending, (string?)null, 0), (pending!.State, pending.LeaseOwner, starter.ProductManager.CallCount));
        var worker = Process("worker");
        using var stop = new CancellationTokenSource();
        var loop = worker.Orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, stop.Token);

        var result = await Within(handle.WaitAsync());
        await stop.CancelAsync();
        await Within(loop);

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal((0, 1), (starter.ProductManager.CallCount, worker.ProductManager.CallCount));
    }

    /// <summary>
    /// An attempt still running after <see cref="OrchestratorOptions.AttemptStartCommitDelay"/> is seen from another
    /// process while it runs: the run reads as running, its <c>attempt_started</c> is stored, and the record that
    /// follows continues the numbering with no gap and no second start.
    /// </summary>
    [Fact]
    public async Task LongAttempt_ItsStartIsCommittedWhileItRuns_AnotherProcessSeesTheRunRunning()
    {
        var starter = Process("starter");
        var handle = await starter.Orchestrator.StartAsync("build_website", "g", new ExecuteOptions { RunId = "long" });
        var worker = Process("worker");
        var (entered, release) = Hold(worker.ProductManager);
        using var stop = new CancellationTokenSource();
        var loop = worker.Orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, stop.Token);
        await entered.WaitAsync();
        var watcher = OpenAnother();
        Assert.Equal(["run_created"], (await watcher.GetEventsAsync("long", 0, 100, default)).Select(e => e.Type));

        Clock.Advance(TimeSpan.FromSeconds(1));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        RunEvent? seen = null;
        await foreach (var runEvent in watcher.WatchAsync("long", 1, TimeSpan.FromMilliseconds(10), guard.Token))
        {
            seen = runEvent;
            break;
        }

        var started = Assert.IsType<AttemptStarted>(seen);
        Assert.Equal((2L, "create_specs", 1, "PM"), (started.Sequence, started.StepId, started.Attempt, started.WorkerName));
        var running = await watcher.GetRunAsync("long", default);
        Assert.Equal((WorkflowState.Running, "create_specs", 0), (running!.State, running.CurrentStep, running.HistoryCount));

        release.SetResult();
        var result = await Within(handle.WaitAsync());
        await stop.CancelAsync();
        await Within(loop);

        Assert.Equal(WorkflowState.Completed, result.State);
        var events = await watcher.GetEventsAsync("long", 0, 100, default);
        Assert.Equal(
            ["run_created", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "attempt_started", "attempt_recorded", "run_ended"],
            events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(3, (await watcher.GetHistoryAsync("long", default)).Count);
    }

    /// <summary>A pause from another process lets the attempt in flight be recorded, then nobody drives the run until it is unpaused.</summary>
    [Fact]
    public async Task Pause_FromAnotherProcess_TheAttemptInFlightIsRecordedThenNobodyDrivesIt_UntilUnpaused()
    {
        var owner = Process("owner");
        var (entered, release) = Hold(owner.Coder);
        var running = owner.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "p" });
        await entered.WaitAsync();

        var other = Process("other");
        await other.Orchestrator.PauseAsync("p", "ops");
        release.SetResult();
        var paused = await Within(running);

        Assert.Equal(WorkflowState.Paused, paused.State);
        Assert.Equal(["create_specs", "implement_code"], (await Store.GetHistoryAsync("p", default)).Select(e => e.StepId));
        Assert.Equal(0, owner.Reviewer.CallCount);
        Assert.Equal(WorkflowState.Paused, (await other.Orchestrator.ResumeAsync("p")).State);
        Assert.Equal(WorkflowState.Pending, (await other.Orchestrator.UnpauseAsync("p", "ops")).State);
        Assert.Equal(WorkflowState.Completed, (await other.Orchestrator.ResumeAsync("p")).State);
        var types = (await Store.GetEventsAsync("p", 0, 100, default)).Select(e => e.Type).ToArray();
        Assert.Contains("run_paused", types);
        Assert.Contains("run_resumed", types);
    }

    /// <summary>An unpause made in the owner's process while the owner lets go of the run it has just paused waits for it and makes the run pending.</summary>
    [Fact]
    public async Task Unpause_WhileThePausingOwnerLetsGo_WaitsAndMakesTheRunPending()
    {
        var pausing = new HeldCommit(OpenAnother(), WorkflowState.Paused);
        var owner = Process("owner", store: pausing);
        var (entered, release) = Hold(owner.Coder);
        var running = owner.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "p" });
        await entered.WaitAsync();
        await owner.Orchestrator.PauseAsync("p", "ops");
        release.SetResult();
        await Within(pausing.Held);

        var unpause = owner.Orchestrator.UnpauseAsync("p", "ops");
        Assert.False(unpause.IsCompleted);
        pausing.Let();

        Assert.Equal(WorkflowState.Paused, (await Within(running)).State);
        Assert.Equal(WorkflowState.Pending, (await unpause).State);
        Assert.Equal(WorkflowState.Completed, (await owner.Orchestrator.ResumeAsync("p")).State);
        Assert.Equal(1, owner.Reviewer.CallCount);
    }

    /// <summary>A cancel from another process is a durable request the owner honours at its next commit.</summary>
    [Fact]
    public async Task Cancel_FromAnotherProcess_IsADurableRequestTheOwnerHonoursAtItsNextCommit()
    {
        var owner = Process("owner");
        var (entered, release) = Hold(owner.Coder);
        var running = owner.Orchestrator.ExecuteWorkflowAsync("build_website", "g", new ExecuteOptions { RunId = "c" });
        await entered.WaitAsync();

        var other = Process("other");
        var asked = await other.Orchestrator.CancelAsync("c", "ops", "not needed");
        Assert.Equal(WorkflowState.Running, asked.State);
        release.SetResult();
        var result = await Within(running);

        Assert.Equal((WorkflowState.Cancelled, "not needed"), (result.State, result.Error));
        Assert.Equal(0, owner.Reviewer.CallCount);
        var events = await Store.GetEventsAsync("c", 0, 100, default);
        Assert.Equal(["cancel_requested", "run_ended"], events.TakeLast(2).Select(e => e.Type));
        Assert.Equal("ops", events.OfType<CancelRequested>().Single().By);
    }

    /// <summary>A step-only fork runs that one step with the edited data and ends completed, linked to its parent, without the steps after it.</summary>
    [Fact]
    public async Task ForkAsync_StepOnly_RunsThatOneAttemptAndEndsCompleted()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        process.Coder.OnCall = (_, _) => "code again";

        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true, Data = new Dictionary<string, object?> { ["tone"] = "formal" } });

        Assert.Equal(WorkflowState.Completed, rerun.State);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Equal(1, process.Reviewer.CallCount);
        Assert.Equal(["create_specs", "implement_code"], rerun.History.Select(e => e.StepId));
        Assert.Equal("code again", rerun.History[1].Output.GetString());
        Assert.Equal(WorkflowStep.Complete, rerun.History[1].NextStep);
        Assert.Equal("formal", rerun.Data["tone"].GetString());
        Assert.False(rerun.Data.ContainsKey("keel.step_only"));
        var record = await process.Orchestrator.GetRunAsync(rerun.RunId);
        Assert.Equal((original.RunId, 1), (record.ParentRunId, record.ParentSequence));
    }

    /// <summary>A step-only fork whose attempt fails ends failed, naming the step, with no retry and no failure path taken.</summary>
    [Fact]
    public async Task ForkAsync_StepOnlyAttemptFails_RunFailsWithoutRetryOrFailurePath()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        process.Coder.OnCall = (_, _) => Fail("compiler broke");

        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true });

        Assert.Equal(WorkflowState.Failed, rerun.State);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Contains("compiler broke", rerun.Error, StringComparison.Ordinal);
        Assert.Contains("implement_code", rerun.Error, StringComparison.Ordinal);
        Assert.Equal(2, rerun.History.Count);
    }

    /// <summary>A fork of a step-only fork is an ordinary fork: it continues along the definition.</summary>
    [Fact]
    public async Task ForkAsync_OfAStepOnlyFork_ContinuesAlongTheDefinition()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        var rerun = await process.Orchestrator.ForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true });

        var fork = await process.Orchestrator.ForkAsync(rerun.RunId, 1);

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.Equal(["create_specs", "implement_code", "review_code"], fork.History.Select(e => e.StepId));
    }

    /// <summary>A step-only fork started with StartForkAsync is stored pending and driven by another process.</summary>
    [Fact]
    public async Task StartForkAsync_StepOnly_StoredPendingAndDrivenByAWorkerLoop()
    {
        var owner = Process("a");
        var original = await owner.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");
        var worker = Process("b");

        var handle = await owner.Orchestrator.StartForkAsync(original.RunId, 1, new ForkOptions { StepOnly = true, RunId = "rerun-1" });

        Assert.Equal("rerun-1", handle.RunId);
        Assert.Equal(WorkflowState.Pending, (await owner.Orchestrator.GetRunAsync("rerun-1")).State);
        var results = await worker.Orchestrator.RecoverAsync();
        var result = Assert.Single(results);
        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(1, worker.Coder.CallCount);
        Assert.Equal(0, worker.Reviewer.CallCount);
        Assert.Equal(2, result.History.Count);
    }

    /// <summary>A step-only fork at an approval step is refused, naming the step.</summary>
    [Fact]
    public async Task ForkAsync_StepOnlyAtAnApprovalStep_IsRefusedNamingTheStep()
    {
        var workflow = new WorkflowDefinition("gated", "d", "g");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder, "w", onSuccess: "sign_off"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign_off", "ok?", onApproved: "complete", onRejected: "failed"));
        var process = Process("p", workflow);
        var run = await process.Orchestrator.ExecuteWorkflowAsync("gated", "g");
        await process.Orchestrator.ApproveAsync(run.RunId, "sign_off", "ada");

        var error = await Assert.ThrowsAsync<KeelException>(() => process.Orchestrator.ForkAsync(run.RunId, 1, new ForkOptions { StepOnly = true }));

        Assert.Contains("sign_off", error.Message, StringComparison.Ordinal);
        Assert.Contains("approval", error.Message, StringComparison.Ordinal);
    }
}
