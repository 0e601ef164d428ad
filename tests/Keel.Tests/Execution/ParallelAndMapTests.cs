using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class ParallelAndMapTests
{
    private static readonly WorkerType Security = Workflows.SecurityReviewer;
    private static readonly WorkerType Performance = Workflows.PerformanceReviewer;

    private static Orchestrator CodeReview(FakeWorker coder, FakeWorker security, FakeWorker performance, IRunStore? store = null, string owner = "p")
    {
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store, ownerId: owner).With(coder, security, performance);
        orchestrator.RegisterWorkflow(Workflows.CreateCodeReviewWorkflow());
        return orchestrator;
    }

    [Fact]
    public async Task Parallel_SecondBranchFinishesFirst_HistoryAndOutputFollowDeclarationOrder()
    {
        var performanceDone = new Signal();
        var coder = new FakeWorker(WorkerType.Coder) { OnCall = (_, _) => "diff" };
        var security = new FakeWorker(Security)
        {
            // Waits for the performance review: the branches run at once, and security finishes last.
            OnCallAsync = async (_, _, _) =>
            {
                await performanceDone.WaitAsync();
                return new { findings = 0 };
            },
        };
        var performance = new FakeWorker(Performance) { OnCall = (_, _) => { performanceDone.Set(); return new { hot_paths = 1 }; } };

        var result = await CodeReview(coder, security, performance).ExecuteWorkflowAsync("code_review", "Add caching");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["implement_change", "review_change/security", "review_change/performance", "review_change"], result.History.Select(e => e.StepId));
        Assert.Equal(["review_change", "review_change", "complete"], result.History.Skip(1).Select(e => e.NextStep));
        Assert.Equal("diff", security.Calls[0].Input.GetString());
        var joined = result.FinalOutput!.Value;
        Assert.Equal(["security", "performance"], joined.EnumerateArray().Select(b => b.GetProperty("branch").GetString()));
        Assert.Equal(0, joined[0].GetProperty("output").GetProperty("findings").GetInt32());
        Assert.Equal("run-x:review_change/security:1:1".Split(':')[1], security.Calls[0].StepId);
    }

    [Fact]
    public async Task Parallel_BranchFailsAfterItsRetries_JoinFailsAndCoderGetsTheReviews()
    {
        var coder = new FakeWorker(WorkerType.Coder) { OnCall = (call, _) => $"diff v{call.Visit}" };
        var security = new FakeWorker(Security) { OnCall = (call, context) => context.Attempt.Visit == 1 ? Hub.Fail("SQL injection in query()") : new { findings = 0 } };
        var performance = new FakeWorker(Performance);

        var result = await CodeReview(coder, security, performance).ExecuteWorkflowAsync("code_review", "Add search");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(
            [("implement_change", 1), ("review_change/security", 1), ("review_change/security", 2), ("review_change/performance", 1), ("review_change", 1), ("implement_change", 1), ("review_change/security", 1), ("review_change/performance", 1), ("review_change", 1)],
            result.History.Select(e => (e.StepId, e.Attempt)));
        var join = result.History[4];
        Assert.Equal((AttemptOutcome.Failed, "implement_change"), (join.Outcome, join.NextStep));
        Assert.Contains("'security': InvalidOperationException: SQL injection in query()", join.Error, StringComparison.Ordinal);
        var feedback = coder.Calls[1].Input.GetProperty("feedback");
        Assert.Equal("review_change", feedback.GetProperty("from_step").GetString());
        Assert.Equal("failed", feedback.GetProperty("output")[0].GetProperty("outcome").GetString());
        Assert.Equal("diff v1", coder.Calls[1].Input.GetProperty("previous_output").GetString());
    }

    [Fact]
    public async Task Parallel_JoinAny_SucceedsWhenOneBranchSucceeds()
    {
        var workflow = new WorkflowDefinition("any");
        workflow.AddStep(WorkflowStep.Parallel("ask", [new Branch("a", Security), new Branch("b", Performance)], join: JoinMode.Any), isInitial: true);
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(new FakeWorker(Security) { OnCall = (_, _) => Hub.Fail("down") }, new FakeWorker(Performance));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("any");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal("failed", result.FinalOutput!.Value[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Parallel_MaxParallel_BoundsTheBranchesRunningAtOnce()
    {
        var running = 0;
        var most = 0;
        var types = Enumerable.Range(0, 5).Select(i => new WorkerType("w" + i)).ToArray();
        var workers = types.Select(t => new FakeWorker(t)
        {
            OnCallAsync = async (_, _, _) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Yield();
                await Task.Delay(1);
                Interlocked.Decrement(ref running);
                return "ok";
            },
        }).ToArray();
        var workflow = new WorkflowDefinition("bounded");
        workflow.AddStep(WorkflowStep.Parallel("fan", types.Select((t, i) => new Branch("b" + i, t)).ToList(), maxParallel: 2), isInitial: true);
        var orchestrator = new Orchestrator().With(workers);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("bounded");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.InRange(most, 1, 2);
        Assert.Equal(["fan/b0", "fan/b1", "fan/b2", "fan/b3", "fan/b4", "fan"], result.History.Select(e => e.StepId));
    }

    [Fact]
    public async Task Parallel_InterruptedMidway_ResumeRerunsOnlyTheUnfinishedBranch()
    {
        var store = new InMemoryRunStore();
        var coder = new FakeWorker(WorkerType.Coder);
        var security = new FakeWorker(Security) { OnCall = (_, _) => new { findings = 0 } };
        var performanceBlocked = new Signal();
        var performance = new FakeWorker(Performance)
        {
            OnCallAsync = async (_, _, token) =>
            {
                performanceBlocked.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return "never";
            },
        };
        using (var stop = new CancellationTokenSource())
        {
            var run = CodeReview(coder, security, performance, store, "p1").ExecuteWorkflowAsync("code_review", "g", new ExecuteOptions { RunId = "run-par" }, stop.Token);
            await performanceBlocked.WaitAsync();
            while ((await store.GetHistoryAsync("run-par", CancellationToken.None)).Count < 2)
            {
                await Task.Delay(10);
            }

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var security2 = new FakeWorker(Security);
        var performance2 = new FakeWorker(Performance) { OnCall = (_, _) => new { hot_paths = 0 } };
        var result = await CodeReview(new FakeWorker(WorkerType.Coder), security2, performance2, store, "p2").ResumeAsync("run-par");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(0, security2.CallCount);
        Assert.Equal("run-par:review_change/performance:1:1", performance2.Calls.Single().IdempotencyKey);
        Assert.Equal(["implement_change", "review_change/security", "review_change/performance", "review_change"], result.History.Select(e => e.StepId));
        Assert.Equal([0, 1, 2, 3], result.History.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Parallel_LaterBranchEndsFirstThenInterrupted_ResumeRerunsOnlyTheEarlierBranch()
    {
        var store = new InMemoryRunStore();
        var coder = new FakeWorker(WorkerType.Coder);
        var securityBlocked = new Signal();
        var security = new FakeWorker(Security)
        {
            // The first branch never ends before the interruption: the second ends first and is parked.
            OnCallAsync = async (_, _, token) =>
            {
                securityBlocked.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return "never";
            },
        };
        var performance = new FakeWorker(Performance) { OnCall = (_, context) => { context.Data.Set("perf", "measured"); return new { hot_paths = 2 }; } };
        using (var stop = new CancellationTokenSource())
        {
            var run = CodeReview(coder, security, performance, store, "p1").ExecuteWorkflowAsync("code_review", "g", new ExecuteOptions { RunId = "run-park" }, stop.Token);
            await securityBlocked.WaitAsync();
            for (var i = 0; i < 1000 && !(await store.GetEventsAsync("run-park", 0, 100, CancellationToken.None)).OfType<BranchAttemptFinished>().Any(); i++)
            {
                await Task.Delay(10);
            }

            // Committed at once, but not in the history yet: the earlier branch has not ended.
            Assert.Equal(["implement_change"], (await store.GetHistoryAsync("run-park", CancellationToken.None)).Select(e => e.StepId));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var parked = (await store.GetEventsAsync("run-park", 0, 100, CancellationToken.None)).OfType<BranchAttemptFinished>().Single();
        Assert.Equal(("review_change/performance", 1), (parked.Entry.StepId, parked.Entry.Attempt));
        var read = Assert.IsType<BranchAttemptFinished>(RunEventJson.Deserialize(RunEventJson.Serialize(parked)));
        Assert.Equal((parked.Entry.StepId, parked.Entry.Attempt, parked.Entry.NextStep), (read.Entry.StepId, read.Entry.Attempt, read.Entry.NextStep));
        Assert.Equal("measured", read.DataSet!["perf"].GetString());
        var security2 = new FakeWorker(Security) { OnCall = (_, _) => new { findings = 0 } };
        var performance2 = new FakeWorker(Performance);
        var result = await CodeReview(new FakeWorker(WorkerType.Coder), security2, performance2, store, "p2").ResumeAsync("run-park");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(0, performance2.CallCount);
        Assert.Equal("run-park:review_change/security:1:1", security2.Calls.Single().IdempotencyKey);
        Assert.Equal(["implement_change", "review_change/security", "review_change/performance", "review_change"], result.History.Select(e => e.StepId));
        Assert.Equal([0, 1, 2, 3], result.History.Select(e => e.Sequence));
        Assert.Equal(2, result.History[2].Output.GetProperty("hot_paths").GetInt32());
        Assert.Equal("measured", result.Data["perf"].GetString());
        Assert.Equal(["security", "performance"], result.FinalOutput!.Value.EnumerateArray().Select(b => b.GetProperty("branch").GetString()));
    }

    private static WorkflowDefinition Pages(int maxItems = 10, int maxRetries = 0, int? maxParallel = null)
    {
        var workflow = new WorkflowDefinition("pages", goal: "site");
        workflow.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, onSuccess: "write_pages"), isInitial: true);
        workflow.AddStep(WorkflowStep.Map("write_pages", WorkerType.Coder, maxItems, itemsFrom: "pages", maxRetries: maxRetries, maxParallel: maxParallel));
        return workflow;
    }

    [Fact]
    public async Task Map_OfTheDefaultInputList_SentBackByALaterStep_RunsOverTheListAgain()
    {
        // No items_from: the map's input is the plan's list. On the visit the checker sends it back to, the
        // default input carries feedback (a list wrapped as {input, feedback, previous_output}); the map still
        // runs over the list.
        var pm = new FakeWorker(WorkerType.ProductManager) { OnCall = (_, _) => new[] { "home", "about" } };
        var coder = new FakeWorker(WorkerType.Coder) { OnCall = (call, _) => $"<h1>{call.Input.GetString()}</h1>" };
        var reviewer = new FakeWorker(WorkerType.Reviewer) { OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("redo the pages") : "ok" };
        var workflow = new WorkflowDefinition("pages_again", goal: "site");
        workflow.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, onSuccess: "write_pages"), isInitial: true);
        workflow.AddStep(WorkflowStep.Map("write_pages", WorkerType.Coder, 10, onSuccess: "check"));
        workflow.AddStep(new WorkflowStep("check", WorkerType.Reviewer, onFailure: "write_pages"));
        var orchestrator = new Orchestrator().With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("pages_again");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(4, coder.CallCount);
        var second = result.History.Where(e => e.StepId == "write_pages").ToArray();
        Assert.Equal(2, second.Length);
        Assert.All(second, e => Assert.Equal(AttemptOutcome.Succeeded, e.Outcome));
    }

    [Fact]
    public async Task Map_OneWorkerPerItem_JoinedInItemOrderWithPerItemRetries()
    {
        var pm = new FakeWorker(WorkerType.ProductManager) { OnCall = (_, _) => new { pages = new[] { "home", "about", "contact" } } };
        var coder = new FakeWorker(WorkerType.Coder)
        {
            OnCallAsync = async (call, _, _) =>
            {
                var page = call.Input.GetString()!;
                await Task.Delay(page == "home" ? 20 : 1);
                return page == "about" && call.Attempt == 1 ? Hub.Fail("flaky") : $"<h1>{page}</h1>";
            },
        };
        var orchestrator = new Orchestrator().With(pm, coder);
        orchestrator.RegisterWorkflow(Pages(maxRetries: 1, maxParallel: 2));

        var result = await orchestrator.ExecuteWorkflowAsync("pages");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(
            [("plan", 1), ("write_pages/0", 1), ("write_pages/1", 1), ("write_pages/1", 2), ("write_pages/2", 1), ("write_pages", 1)],
            result.History.Select(e => (e.StepId, e.Attempt)));
        Assert.Equal(["<h1>home</h1>", "<h1>about</h1>", "<h1>contact</h1>"], result.FinalOutput!.Value.EnumerateArray().Select(i => i.GetProperty("output").GetString()));
        Assert.Equal([0, 1, 2], result.FinalOutput!.Value.EnumerateArray().Select(i => i.GetProperty("item").GetInt32()));
    }

    [Fact]
    public async Task Map_InterruptedAfterAnItemIsRecorded_ResumeKeepsTheListAndTheBusTheStepStartedWith()
    {
        // The items come from the last output (the plan's), and the first item writes to the data bus: once it
        // is recorded, the last output and the bus are its own, not what the step started with.
        var store = new InMemoryRunStore();
        var pm = new FakeWorker(WorkerType.ProductManager) { OnCall = (_, context) => { context.Data["theme"] = "dark"; return new { pages = new[] { "home", "about", "contact" } }; } };
        var blocked = new CountdownEvent(2);
        var coder = new FakeWorker(WorkerType.Coder)
        {
            OnCallAsync = async (call, context, token) =>
            {
                var page = call.Input.GetString()!;
                if (page != "home")
                {
                    blocked.Signal();
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                }

                context.Data["theme"] = "light";
                return $"<h1>{page}</h1>";
            },
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store, ownerId: "p1").With(pm, coder);
        orchestrator.RegisterWorkflow(Pages());
        using (var stop = new CancellationTokenSource())
        {
            var run = orchestrator.ExecuteWorkflowAsync("pages", "site", new ExecuteOptions { RunId = "run-map" }, stop.Token);
            Assert.True(blocked.Wait(TimeSpan.FromSeconds(10)));
            while ((await store.GetHistoryAsync("run-map", CancellationToken.None)).Count < 2)
            {
                await Task.Delay(10);
            }

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(["plan", "write_pages/0"], (await store.GetHistoryAsync("run-map", CancellationToken.None)).Select(e => e.StepId));
        var seen = new List<string>();
        var coder2 = new FakeWorker(WorkerType.Coder)
        {
            OnCall = (call, context) =>
            {
                lock (seen)
                {
                    seen.Add($"{call.Input.GetString()}: {context.Data.Get<string>("theme")}");
                }

                return $"<h1>{call.Input.GetString()}</h1>";
            },
        };
        var resumer = Hub.Create(new RecordingTimeProvider(), store, ownerId: "p2").With(new FakeWorker(WorkerType.ProductManager), coder2);
        resumer.RegisterWorkflow(Pages());
        var result = await resumer.ResumeAsync("run-map");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["about: dark", "contact: dark"], seen.Order(StringComparer.Ordinal));
        Assert.Equal(["plan", "write_pages/0", "write_pages/1", "write_pages/2", "write_pages"], result.History.Select(e => e.StepId));
        Assert.Equal(["home", "about", "contact"], result.History[^1].Input.GetProperty("pages").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["<h1>home</h1>", "<h1>about</h1>", "<h1>contact</h1>"], result.FinalOutput!.Value.EnumerateArray().Select(i => i.GetProperty("output").GetString()));
    }

    [Theory]
    [InlineData("""{"pages":"home"}""", "map step 'write_pages': the input's 'pages' is a string, not a list")]
    [InlineData("""{"title":"x"}""", "map step 'write_pages': the input has no 'pages' field to take the list from (it is an object)")]
    [InlineData("""{"pages":[1,2,3]}""", "map step 'write_pages': the list has 3 items, more than max_items 2")]
    public async Task Map_InputNotABoundedList_IsAFailedAttemptWithAClearError(string plan, string error)
    {
        var pm = new FakeWorker(WorkerType.ProductManager) { OnCall = (_, _) => JsonDocument.Parse(plan).RootElement };
        var coder = new FakeWorker(WorkerType.Coder);
        var orchestrator = new Orchestrator().With(pm, coder);
        orchestrator.RegisterWorkflow(Pages(maxItems: 2));

        var result = await orchestrator.ExecuteWorkflowAsync("pages");

        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Equal(0, coder.CallCount);
        Assert.Equal((AttemptOutcome.Failed, error), (result.History[^1].Outcome, result.History[^1].Error));
        Assert.Contains(error, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parallel_BranchWritesToTheDataBus_MergedInDeclarationOrder()
    {
        var workflow = new WorkflowDefinition("bus");
        workflow.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", Security), new Branch("b", Performance)]), isInitial: true);
        var a = new FakeWorker(Security) { OnCallAsync = async (_, context, _) => { await Task.Delay(20); context.Data["winner"] = "a"; context.Data["a"] = 1; return "a"; } };
        var b = new FakeWorker(Performance) { OnCall = (_, context) => { context.Data["winner"] = "b"; return "b"; } };
        var orchestrator = new Orchestrator().With(a, b);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("bus");

        Assert.Equal("b", result.Data["winner"].GetString());
        Assert.Equal(1, result.Data["a"].GetInt32());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
