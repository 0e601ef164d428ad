using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class SubWorkflowTests
{
    private static readonly WorkerType Planner = new("planner");
    private static readonly WorkerType Builder = new("builder");
    private static readonly WorkerType Checker = new("checker");
    private static readonly WorkerType Shipper = new("shipper");

    /// <summary>build: compile (builder) then check (checker).</summary>
    private static WorkflowDefinition Build()
    {
        var build = new WorkflowDefinition("build");
        build.AddStep(new WorkflowStep("compile", Builder, onSuccess: "check"), isInitial: true);
        build.AddStep(new WorkflowStep("check", Checker));
        return build;
    }

    /// <summary>release: plan, then the build workflow as a child run, then ship.</summary>
    private static WorkflowDefinition Release(int maxRetries = 0, string? onFailure = null)
    {
        var release = new WorkflowDefinition("release", goal: "release 2.0");
        release.AddStep(new WorkflowStep("plan", Planner, onSuccess: "build"), isInitial: true);
        release.AddStep(WorkflowStep.Child("build", "build", onSuccess: "ship", onFailure: onFailure, maxRetries: maxRetries));
        release.AddStep(new WorkflowStep("ship", Shipper));
        return release;
    }

    /// <summary>A checker that says it was called, then waits for its token.</summary>
    private static FakeWorker Hanging(Signal called) => new(Checker)
    {
        OnCallAsync = async (_, _, token) =>
        {
            called.Set();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return "never";
        },
    };

    private static Orchestrator Hub2(IRunStore? store, string owner, params FakeWorker[] workers)
    {
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store, ownerId: owner).With(workers);
        orchestrator.RegisterWorkflow(Build());
        orchestrator.RegisterWorkflow(Release());
        return orchestrator;
    }

    [Fact]
    public async Task Child_RunsAsItsOwnRun_LinkedBothWays_ResultIsTheStepsOutput()
    {
        var store = new InMemoryRunStore();
        var planner = new FakeWorker(Planner) { OnCall = (_, _) => "plan: bump the version" };
        var builder = new FakeWorker(Builder) { OnCall = (call, _) => $"built from '{call.Input.GetString()}'" };
        var checker = new FakeWorker(Checker) { OnCall = (_, _) => new { ok = true } };
        var shipper = new FakeWorker(Shipper) { OnCall = (call, _) => call.Input.GetProperty("ok").GetBoolean() ? "shipped" : "held" };
        var orchestrator = Hub2(store, "p", planner, builder, checker, shipper);

        var result = await orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "rel", Data = new Dictionary<string, object?> { ["branch"] = "main" } });

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["plan", "build", "ship"], result.History.Select(e => e.StepId));
        var attempt = result.History[1];
        Assert.Equal(WorkerType.Workflow, attempt.WorkerType);
        Assert.Equal("rel:build:1:1", attempt.ChildRunId);
        Assert.True(attempt.Output.GetProperty("ok").GetBoolean());
        Assert.Equal("shipped", result.FinalOutput!.Value.GetString());

        var child = await orchestrator.GetRunAsync("rel:build:1:1");
        Assert.Equal(("build", WorkflowState.Completed, "rel", "build"), (child.WorkflowName, child.State, child.ParentRunId, child.ParentStepId));
        Assert.Equal("plan: bump the version", child.Goal);
        Assert.Equal("main", child.InitialData["branch"].GetString());
        Assert.Equal(orchestrator.Workflows.Single(w => w.Name == "build") is { } build ? WorkflowDefinitionJson.Hash(WorkflowDefinitionJson.Serialize(build)) : null, child.DefinitionHash);
        var childHistory = (await orchestrator.GetResultAsync(child.RunId)).History;
        Assert.Equal(["compile", "check"], childHistory.Select(e => e.StepId));
        Assert.Equal("built from 'plan: bump the version'", childHistory[0].Output.GetString());
        Assert.Null((await orchestrator.GetRunAsync("rel")).ParentStepId);
    }

    [Fact]
    public async Task Child_ARunOfTheChildsIdThatItDidNotStart_IsNotAdopted_TheAttemptFailsNamingIt()
    {
        var store = new InMemoryRunStore();
        var planner = new FakeWorker(Planner) { OnCall = (_, _) => "plan" };
        var builder = new FakeWorker(Builder) { OnCall = (_, context) => $"built for '{context.Goal}'" };
        var checker = new FakeWorker(Checker) { OnCall = (call, _) => call.Input };
        var orchestrator = Hub2(store, "p", planner, builder, checker, new FakeWorker(Shipper));
        var unrelated = await orchestrator.ExecuteWorkflowAsync("build", "someone else's goal", new ExecuteOptions { RunId = "rel:build:1:1" });
        var calls = builder.CallCount;

        var result = await orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "rel" });

        Assert.Equal(WorkflowState.Completed, unrelated.State);
        Assert.Equal(WorkflowState.Failed, result.State);
        var attempt = result.History[1];
        Assert.Equal(AttemptOutcome.Failed, attempt.Outcome);
        Assert.Contains("run 'rel:build:1:1' exists but is not the child of step 'build' of run 'rel'", attempt.Error, StringComparison.Ordinal);
        Assert.Contains("parent none", attempt.Error, StringComparison.Ordinal);
        Assert.Equal(calls, builder.CallCount);
        Assert.Equal("someone else's goal", (await orchestrator.GetRunAsync("rel:build:1:1")).Goal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Execute_WithAnEmptyRunId_IsRefused(string runId)
    {
        var orchestrator = Hub2(new InMemoryRunStore(), "p", new FakeWorker(Planner), new FakeWorker(Builder), new FakeWorker(Checker), new FakeWorker(Shipper));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => orchestrator.ExecuteWorkflowAsync("build", "g", new ExecuteOptions { RunId = runId }));

        Assert.Contains("must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Child_TheParentsStepTimesOutAndTheParentEndsThere_TheChildsCancellationIsRecordedBeforeTheParentReturns()
    {
        // The child's commits are slow (as a file's writer behind another process is): the parent must not
        // return, and let its process end, before the child's cancellation is recorded.
        var store = new SlowChildCommits(new InMemoryRunStore());
        var clock = new RecordingTimeProvider();
        var checking = new Signal();
        var checker = Hanging(checking);
        var orchestrator = Hub.Create(clock, store, ownerId: "p").With(new FakeWorker(Builder), checker);
        orchestrator.RegisterWorkflow(Build());
        var parent = new WorkflowDefinition("timed", goal: "g");
        parent.AddStep(WorkflowStep.Child("build", "build", onFailure: WorkflowStep.Complete, timeout: TimeSpan.FromSeconds(5)), isInitial: true);
        orchestrator.RegisterWorkflow(parent);

        var run = orchestrator.ExecuteWorkflowAsync("timed", null, new ExecuteOptions { RunId = "t" });
        await checking.WaitAsync();
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(5));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(AttemptOutcome.TimedOut, result.History[0].Outcome);
        var child = (await store.GetRunAsync("t:build:1:1", CancellationToken.None))!;
        Assert.Equal(WorkflowState.Cancelled, child.State);
    }

    [Fact]
    public async Task Child_WithoutAStore_RunsInMemory()
    {
        var orchestrator = Hub2(null, "p", new FakeWorker(Planner), new FakeWorker(Builder), new FakeWorker(Checker) { OnCall = (_, _) => "checked" }, new FakeWorker(Shipper));

        var result = await orchestrator.ExecuteWorkflowAsync("release");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal("checked", result.History[1].Output.GetString());
    }

    [Fact]
    public async Task Child_Fails_IsAFailedAttempt_RetriedWithANewChildRun()
    {
        var store = new InMemoryRunStore();
        var checks = 0;
        var checker = new FakeWorker(Checker) { OnCall = (_, _) => Interlocked.Increment(ref checks) == 1 ? Hub.Fail("v1 is wrong: add tests") : "fine" };
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store).With(new FakeWorker(Planner), new FakeWorker(Builder), checker, new FakeWorker(Shipper));
        orchestrator.RegisterWorkflow(Build());
        orchestrator.RegisterWorkflow(Release(maxRetries: 1));

        var result = await orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "r" });

        Assert.Equal(WorkflowState.Completed, result.State);
        var attempts = result.History.Where(e => e.StepId == "build").ToList();
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], attempts.Select(e => e.Outcome));
        Assert.Equal(["r:build:1:1", "r:build:1:2"], attempts.Select(e => e.ChildRunId));
        Assert.Contains("child run 'r:build:1:1' of workflow 'build' failed at 'failed'", attempts[0].Error, StringComparison.Ordinal);
        Assert.Contains("v1 is wrong: add tests", attempts[0].Error, StringComparison.Ordinal);
        Assert.Equal(WorkflowState.Failed, (await orchestrator.GetRunAsync("r:build:1:1")).State);
    }

    [Fact]
    public async Task Child_ParentProcessInterrupted_ResumeContinuesTheChildWithoutRerunningItsCommittedAttempts()
    {
        var store = new InMemoryRunStore();
        var checking = new Signal();
        using (var stop = new CancellationTokenSource())
        {
            var checker = Hanging(checking);
            var first = Hub2(store, "p1", new FakeWorker(Planner), new FakeWorker(Builder), checker, new FakeWorker(Shipper));
            var run = first.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "crash" }, stop.Token);
            await checking.WaitAsync();
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(WorkflowState.Running, (await store.GetRunAsync("crash:build:1:1", CancellationToken.None))!.State);
        var planner = new FakeWorker(Planner);
        var builder = new FakeWorker(Builder);
        var checker2 = new FakeWorker(Checker) { OnCall = (_, _) => "checked" };
        var second = Hub2(store, "p2", planner, builder, checker2, new FakeWorker(Shipper));

        var result = await second.ResumeAsync("crash");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal((0, 0), (planner.CallCount, builder.CallCount));
        Assert.Equal("crash:build:1:1:check:1:1", checker2.Calls.Single().IdempotencyKey);
        Assert.Equal(["plan", "build", "ship"], result.History.Select(e => e.StepId));
        Assert.Equal(["compile", "check"], (await second.GetResultAsync("crash:build:1:1")).History.Select(e => e.StepId));
    }

    [Fact]
    public async Task Child_ParentCancelled_TheChildIsCancelledToo()
    {
        var store = new InMemoryRunStore();
        var checking = new Signal();
        var checker = Hanging(checking);
        var orchestrator = Hub2(store, "p", new FakeWorker(Planner), new FakeWorker(Builder), checker, new FakeWorker(Shipper));
        var run = orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "c" });
        await checking.WaitAsync();

        await orchestrator.CancelAsync("c", "ops", "release called off");
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Cancelled, result.State);
        var child = await orchestrator.GetResultAsync("c:build:1:1");
        Assert.Equal(WorkflowState.Cancelled, child.State);
        Assert.Equal(AttemptOutcome.Cancelled, child.History[^1].Outcome);
    }

    [Fact]
    public async Task Child_ParentPaused_BothPause_AndResumeFinishesBoth()
    {
        var store = new InMemoryRunStore();
        var checking = new Signal();
        var release = new Signal();
        var builds = 0;
        var builder = new FakeWorker(Builder)
        {
            // The pause arrives while the child's first step is in flight: it finishes and is recorded first.
            OnCallAsync = async (_, _, _) =>
            {
                if (Interlocked.Increment(ref builds) == 1)
                {
                    checking.Set();
                    await release.WaitAsync();
                }

                return "built";
            },
        };
        var checker = new FakeWorker(Checker);
        var orchestrator = Hub2(store, "p", new FakeWorker(Planner), builder, checker, new FakeWorker(Shipper));
        var run = orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "pz" });
        await checking.WaitAsync();

        await orchestrator.PauseAsync("pz", "ops");
        release.Set();
        var paused = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowState.Paused, paused.State);
        Assert.Equal(["plan"], paused.History.Select(e => e.StepId));
        var child = await orchestrator.GetResultAsync("pz:build:1:1");
        Assert.Equal(WorkflowState.Paused, child.State);
        Assert.Equal(["compile"], child.History.Select(e => e.StepId));
        Assert.Equal(0, checker.CallCount);

        await orchestrator.UnpauseAsync("pz", "ops");
        var result = await orchestrator.ResumeAsync("pz");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["plan", "build", "ship"], result.History.Select(e => e.StepId));
        Assert.Equal("pz:build:1:1", result.History[1].ChildRunId);
        Assert.Equal(WorkflowState.Completed, (await orchestrator.GetRunAsync("pz:build:1:1")).State);
        Assert.Equal((1, 1), (builder.CallCount, checker.CallCount));
    }

    [Fact]
    public async Task Child_ParentForked_TheForkRunsItsOwnChild()
    {
        var store = new InMemoryRunStore();
        var orchestrator = Hub2(store, "p", new FakeWorker(Planner), new FakeWorker(Builder), new FakeWorker(Checker), new FakeWorker(Shipper));
        await orchestrator.ExecuteWorkflowAsync("release", null, new ExecuteOptions { RunId = "orig" });

        var fork = await orchestrator.ForkAsync("orig", 1);

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.Equal($"{fork.RunId}:build:1:1", fork.History[1].ChildRunId);
        var child = await orchestrator.GetRunAsync(fork.History[1].ChildRunId!);
        Assert.Equal((fork.RunId, "build", WorkflowState.Completed), (child.ParentRunId, child.ParentStepId, child.State));
    }

    [Fact]
    public void Register_SubWorkflowNotRegistered_NamesWorkflowStepAndField()
    {
        var orchestrator = new Orchestrator();

        var error = Assert.Throws<WorkflowValidationException>(() => orchestrator.RegisterWorkflow(Release()));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(("release", "build", "sub_workflow"), (problem.Workflow, problem.StepId, problem.Field));
        Assert.Contains("names workflow 'build', which is not registered", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_WorkflowIncludesItselfDirectly_IsRefused()
    {
        var loop = new WorkflowDefinition("loop");
        loop.AddStep(WorkflowStep.Child("again", "loop"), isInitial: true);

        var error = Assert.Throws<WorkflowValidationException>(() => new Orchestrator().RegisterWorkflow(loop));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(("loop", "again", "sub_workflow"), (problem.Workflow, problem.StepId, problem.Field));
        Assert.Contains("includes itself", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_WorkflowIncludesItselfThroughOthers_IsRefusedWithThePath()
    {
        var orchestrator = new Orchestrator();
        var c = new WorkflowDefinition("c");
        c.AddStep(new WorkflowStep("work", Builder), isInitial: true);
        orchestrator.RegisterWorkflow(c);
        var b = new WorkflowDefinition("b");
        b.AddStep(WorkflowStep.Child("run_c", "c"), isInitial: true);
        orchestrator.RegisterWorkflow(b);
        var a = new WorkflowDefinition("a");
        a.AddStep(WorkflowStep.Child("run_b", "b"), isInitial: true);
        orchestrator.RegisterWorkflow(a);
        var cAgain = new WorkflowDefinition("c");
        cAgain.AddStep(WorkflowStep.Child("run_a", "a"), isInitial: true);

        var error = Assert.Throws<WorkflowValidationException>(() => orchestrator.RegisterWorkflow(cAgain));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(("c", "run_a", "sub_workflow"), (problem.Workflow, problem.StepId, problem.Field));
        Assert.Contains("c -> a -> b -> c", problem.Message, StringComparison.Ordinal);
        Assert.Equal("work", orchestrator.GetWorkflow("c")!.Steps[0].StepId);
    }

    [Fact]
    public void Definition_SubWorkflowRoundTripsThroughCanonicalJson()
    {
        var json = WorkflowDefinitionJson.Serialize(Release(maxRetries: 2, onFailure: "plan"));

        var back = WorkflowDefinitionJson.Deserialize(json);

        Assert.Contains("\"sub_workflow\":\"build\"", json, StringComparison.Ordinal);
        var step = back.GetStep("build")!;
        Assert.Equal((StepKind.SubWorkflow, "build", 2, "plan"), (step.Kind, step.SubWorkflow, step.MaxRetries, step.OnFailure));
        Assert.Equal(json, WorkflowDefinitionJson.Serialize(back));
    }

    [Fact]
    public void Graph_DrawsASubWorkflowStep()
    {
        var graph = WorkflowGraph.From(Release());

        var node = graph.Nodes.Single(n => n.Id == "build");
        Assert.Equal((GraphNodeKind.SubWorkflow, "workflow: build"), (node.Kind, node.Label));
        Assert.Contains("build[(\"build<br/>workflow: build\")]", MermaidFormatter.Format(graph), StringComparison.Ordinal);
        Assert.Contains("shape=component, label=\"build\\nworkflow: build\"", DotFormatter.Format(graph), StringComparison.Ordinal);
    }

    private sealed class SlowChildCommits(IRunStore inner) : DelegatingRunStore(inner)
    {
        public override async ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            if (checkpoint.RunId.Contains(':', StringComparison.Ordinal))
            {
                await Task.Delay(200, CancellationToken.None);
            }

            return await base.CommitAsync(checkpoint, cancellationToken);
        }
    }
}
