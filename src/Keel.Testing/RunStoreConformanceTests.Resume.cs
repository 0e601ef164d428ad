using System.Text.Json;

namespace Keel.Testing;

/// <summary>Resume: from the last committed attempt, with the same idempotency key, pinned to its definition.</summary>
public abstract partial class RunStoreConformanceTests
{
    /// <summary>A resume in another process continues from the last commit and runs the attempt that was in flight again, with the same idempotency key.</summary>
    [Fact]
    public async Task Resume_InAnotherProcess_ContinuesFromLastCommitAndRerunsTheAttemptInFlightWithTheSameKey()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 2, otherwise: call => call.Attempt == 1 ? Fail("flaky compiler") : "code");
        await Interrupt(first.Orchestrator, "run-resume", blocked);

        var stored = await Store.GetRunAsync("run-resume", CancellationToken.None);
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
        Assert.Equal(result.History.Count, (await Store.GetHistoryAsync("run-resume", CancellationToken.None)).Count);
    }

    /// <summary>Resuming a run that ended returns its stored result and runs nothing.</summary>
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

    /// <summary>Resuming after the registered definition changed is refused unless the change is allowed.</summary>
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

    /// <summary>Registering the same definition again is not a change.</summary>
    [Fact]
    public async Task Resume_SameDefinitionRegisteredAgain_IsNotAChange()
    {
        var first = Process("p1");
        await Interrupt(first.Orchestrator, "run-same", BlockOn(first.Coder, attempt: 1));

        var second = Process("p2", Workflows.CreateBuildWebsiteWorkflow());
        var result = await second.Orchestrator.ResumeAsync("run-same");

        Assert.Equal(WorkflowState.Completed, result.State);
    }

    /// <summary>Workers of a resumed run see the same inputs and data as in an uninterrupted run.</summary>
    [Fact]
    public async Task Resume_WorkersSeeTheSameValuesAsAnUninterruptedRun()
    {
        static object? Specs(Call call, WorkflowContext context)
        {
            context.Data["budget"] = 1234.50m;
            context.Data["deadline"] = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
            context.Data["sections"] = new List<string> { "hero", "about" };
            return new SpecsRecord("Portfolio", 3, [1.5, 2.25]);
        }

        static object? Seen(Call call, WorkflowContext context)
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

    /// <summary>Recovery resumes every interrupted run whose lease is free.</summary>
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

    /// <summary>A run with a store commits every attempt and the data bus.</summary>
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

        var stored = await Store.GetRunAsync(result.RunId, CancellationToken.None);
        var history = await Store.GetHistoryAsync(result.RunId, CancellationToken.None);
        Assert.Equal((WorkflowState.Completed, WorkflowStep.Complete, 3), (stored!.State, stored.CurrentStep, stored.HistoryCount));
        Assert.Equal("recruiters", stored.Data["audience"].GetString());
        Assert.Equal(JsonValueKind.Array, stored.InitialData["tech_stack"].ValueKind);
        Assert.False(stored.InitialData.ContainsKey("audience"));
        Assert.Equal("recruiters", history[0].Data!["audience"].GetString());
        Assert.Null(history[1].Data);
        RecordedValues.History(result.History, history, exact: true);
    }

    private sealed record SpecsRecord(string Title, int Pages, double[] Ratios);

    /// <summary>A resume after an interruption continues from the last committed attempt.</summary>
    [Fact]
    public async Task Resume_AfterInterruption_ContinuesFromTheLastCommittedAttempt()
    {
        var started = new List<string>();
        await InterruptAtAttemptAsync(4);

        var result = await NewOrchestrator("second", (ctx, _) => { started.Add(ctx.Attempt.IdempotencyKey); return ValueTask.CompletedTask; }).ResumeAsync(RunId);

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(9, result.History.Count);
        Assert.Equal($"{RunId}:test:1:2", started[0]);
        Assert.Equal(6, started.Count);
    }

    /// <summary>A run interrupted at any step boundary and resumed matches the uninterrupted run, field by field.</summary>
    [Fact]
    public async Task Resume_InterruptedAtEveryStepBoundary_MatchesTheUninterruptedRunFieldByField()
    {
        var baseline = await NewOrchestrator("baseline").ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = RunId, Data = Seed });
        Assert.Equal(WorkflowState.Completed, baseline.State);
        Assert.Equal(9, baseline.History.Count);
        var baselineStored = await NewOrchestrator("baseline-reader").GetResultAsync(RunId);

        for (var attempt = 1; attempt <= baseline.History.Count; attempt++)
        {
            var cut = "cut-" + attempt;
            await InterruptAtAttemptAsync(attempt, cut);
            var interruptedRecord = await NewOrchestrator("reader").GetRunAsync(cut);
            Assert.Equal(attempt - 1, interruptedRecord.HistoryCount);

            var resumed = await NewOrchestrator("resumer-" + attempt).ResumeAsync(cut);
            var stored = await NewOrchestrator("reader-" + attempt).GetResultAsync(cut);

            Assert.Equal(WorkflowState.Completed, resumed.State);
            RecordedValues.History(baseline.History, resumed.History, exact: false);
            RecordedValues.History(baselineStored.History, stored.History, exact: false);
            RecordedValues.Data(baseline.Data, resumed.Data, $"data after interruption at attempt {attempt}");
            RecordedValues.Data(baseline.Data, stored.Data, $"stored data after interruption at attempt {attempt}");
            Assert.Equal(baseline.Usage, resumed.Usage);
            Assert.Equal(KeelJson.ToText(baseline.FinalOutput!.Value), KeelJson.ToText(resumed.FinalOutput!.Value));
            Assert.Equal(baseline.History.Select(h => cut + h.IdempotencyKey[RunId.Length..]), stored.History.Select(h => h.IdempotencyKey));
        }
    }

    /// <summary>A resume after the registered definition changed is refused unless allowed, and then runs on the new definition.</summary>
    [Fact]
    public async Task Resume_WhenTheRegisteredDefinitionChanged_IsRefusedUnlessAllowed()
    {
        await InterruptAtAttemptAsync(3);
        var changed = CrashWorkflow.Definition();
        var deploy = changed.GetStep("deploy")!;
        var edited = new WorkflowDefinition(changed.Name, changed.Description, changed.Goal);
        foreach (var step in changed.Steps)
        {
            edited.AddStep(step.StepId == "deploy" ? deploy with { MaxRetries = 3 } : step, isInitial: step.StepId == "plan");
        }

        var orchestrator = NewOrchestrator("changed");
        orchestrator.RegisterWorkflow(edited);

        var error = await Assert.ThrowsAsync<DefinitionChangedException>(() => orchestrator.ResumeAsync(RunId));
        Assert.Equal(RunId, error.RunId);
        var untouched = await orchestrator.GetRunAsync(RunId);
        Assert.Equal(WorkflowState.Running, untouched.State);
        Assert.Equal(2, untouched.HistoryCount);

        var result = await orchestrator.ResumeAsync(RunId, new ResumeOptions { AllowDefinitionChange = true });
        Assert.Equal(WorkflowState.Completed, result.State);
    }

    /// <summary>Of two orchestrators resuming the same run at once, exactly one proceeds.</summary>
    [Fact]
    public async Task Resume_ByTwoOrchestratorsAtOnce_ExactlyOneProceeds()
    {
        await InterruptAtAttemptAsync(2);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask Hold(WorkflowContext context, CancellationToken cancellationToken) => new(gate.Task);
        var first = NewOrchestrator("owner-one", Hold);
        var second = NewOrchestrator("owner-two", Hold);

        var one = first.ResumeAsync(RunId);
        var two = second.ResumeAsync(RunId);
        var loser = await Task.WhenAny(one, two);
        var error = await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => loser);
        gate.SetResult();
        var winner = await (loser == one ? two : one);

        Assert.Equal(RunId, error.RunId);
        Assert.Equal(WorkflowState.Completed, winner.State);
        var stored = await NewOrchestrator("reader").GetResultAsync(RunId);
        Assert.Equal(9, stored.History.Count);
        Assert.Equal(9, stored.History.Select(h => h.IdempotencyKey).Distinct().Count());
    }

    /// <summary>Resuming an unknown run throws <see cref="RunNotFoundException"/>.</summary>
    [Fact]
    public async Task Resume_UnknownRun_ThrowsRunNotFound()
        => await Assert.ThrowsAsync<RunNotFoundException>(() => NewOrchestrator("x").ResumeAsync("missing"));

    /// <summary>The run id the crash-workflow tests use.</summary>
    private const string RunId = "run-00";

    private static readonly Dictionary<string, object?> Seed = new() { ["seed"] = 7 };

    /// <summary>Executes the crash workflow and interrupts it inside attempt <paramref name="attempt"/> (1-based): that attempt is not committed.</summary>
    private async Task InterruptAtAttemptAsync(int attempt, string runId = RunId)
    {
        using var cancel = new CancellationTokenSource();
        var count = 0;
        var orchestrator = NewOrchestrator("interrupted", async (ctx, ct) =>
        {
            if (++count == attempt)
            {
                await cancel.CancelAsync();
                ct.ThrowIfCancellationRequested();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => orchestrator.ExecuteWorkflowAsync(CrashWorkflow.Name, null, new ExecuteOptions { RunId = runId, Data = Seed }, cancel.Token));
    }

    /// <summary>An orchestrator running <see cref="CrashWorkflow"/>, on its own store over the shared storage.</summary>
    private Orchestrator NewOrchestrator(string owner, Func<WorkflowContext, CancellationToken, ValueTask>? beforeWork = null)
        => CrashWorkflow.Register(Hub(owner), beforeWork);
}
