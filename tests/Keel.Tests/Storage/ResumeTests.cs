using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Resuming an interrupted run: from the last committed attempt, with the same idempotency key, pinned to its definition.</summary>
public sealed class ResumeTests : DurableRunTestBase
{
    [Fact]
    public async Task Resume_InAnotherProcess_ContinuesFromLastCommitAndRerunsTheAttemptInFlightWithTheSameKey()
    {
        var first = Process("process-1");
        var blocked = BlockOn(first.Coder, attempt: 2, otherwise: call => call.Attempt == 1 ? Hub.Fail("flaky compiler") : "code");
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
        Assert.Equal(result.History, history);
    }
}
