using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

/// <summary>
/// The law of the hub for the routing constructs, on random valid workflows of work steps, labelled steps,
/// parallel steps, map steps and sub-workflow steps: an attempt's outcome (and label) is a function of the
/// attempt alone (workflow, step, visit, attempt), every attempt finishes after a random delay (so branches
/// and items finish in a different order on every run), and yet path and history are the same every time,
/// a run fed the recorded outcomes takes the same path, and an interrupted and resumed run matches.
/// </summary>
public sealed class ConstructDeterminismProperties
{
    public enum Kind
    {
        Work,
        Labelled,
        Parallel,
        Map,
        Child,
    }

    /// <summary>A step: its kind, where success (or label a), label b and failure lead (index, n complete, -2 failed, -1 none), retries, branches.</summary>
    public sealed record StepSpec(Kind Kind, int OnSuccess, int OnLabelB, int OnFailure, int MaxRetries, int Branches, bool JoinAny);

    public sealed record Scenario(StepSpec[] Steps, int Seed)
    {
        public WorkflowDefinition ToWorkflow()
        {
            var n = Steps.Length;
            string Target(int index) => index == n ? WorkflowStep.Complete : index == -2 ? WorkflowStep.Failed : "s" + index;
            var workflow = new WorkflowDefinition("constructs") { MaxSteps = 30 };
            for (var i = 0; i < n; i++)
            {
                var s = Steps[i];
                var onFailure = s.OnFailure == -1 ? null : Target(s.OnFailure);
                var step = s.Kind switch
                {
                    Kind.Parallel => WorkflowStep.Parallel("s" + i, [.. Enumerable.Range(0, s.Branches).Select(b => new Branch("b" + b, "w", MaxRetries: s.MaxRetries))], Target(s.OnSuccess), onFailure, s.JoinAny ? JoinMode.Any : JoinMode.All),
                    Kind.Map => WorkflowStep.Map("s" + i, "w", maxItems: 4, itemsFrom: "items", onSuccess: Target(s.OnSuccess), onFailure: onFailure, maxRetries: s.MaxRetries, maxParallel: s.Branches),
                    Kind.Child => WorkflowStep.Child("s" + i, "child", Target(s.OnSuccess), onFailure, s.MaxRetries),
                    _ => new WorkflowStep("s" + i, "w", onSuccess: Target(s.OnSuccess), onFailure: onFailure, maxRetries: s.MaxRetries),
                };
                if (s.Kind == Kind.Labelled)
                {
                    step = step with { OnLabel = new Dictionary<string, string> { ["a"] = Target(s.OnSuccess), ["b"] = Target(s.OnLabelB) }, LabelFrom = LabelReader.Field("label") };
                }

                workflow.AddStep(step, isInitial: i == 0);
            }

            return workflow;
        }

        public override string ToString() => $"seed {Seed}, steps [{string.Join("; ", Steps.Select((s, i) => $"s{i}: {s}"))}]";
    }

    /// <summary>The child workflow every sub-workflow step runs: two work steps, the second retried once.</summary>
    private static WorkflowDefinition Child()
    {
        var child = new WorkflowDefinition("child");
        child.AddStep(new WorkflowStep("c0", "w", onSuccess: "c1"), isInitial: true);
        child.AddStep(new WorkflowStep("c1", "w", maxRetries: 1));
        return child;
    }

    private static Gen<StepSpec> StepGen(int index, int count)
        => from kind in Gen.Elements(Kind.Work, Kind.Labelled, Kind.Parallel, Kind.Map, Kind.Child)
           from onSuccess in Gen.Frequency((4, Gen.Constant(index + 1)), (2, Gen.Choose(index + 1, count)), (1, Gen.Choose(0, count)))
           from onLabelB in Gen.Choose(-2, count)
           from onFailure in Gen.Choose(-2, count)
           from retries in Gen.Choose(0, 2)
           from branches in Gen.Choose(1, 3)
           from any in Gen.Elements(false, true)
           select new StepSpec(kind, onSuccess, onLabelB, onFailure, retries, branches, any);

    private static Arbitrary<Scenario> Scenarios
        => (from n in Gen.Choose(1, 5)
            from steps in Gen.CollectToArray(Enumerable.Range(0, n).Select(i => StepGen(i, n)))
            from seed in Gen.Choose(0, 100_000)
            select new Scenario(steps, seed))
           .Where(s => s.ToWorkflow().Validate().Count == 0)
           .ToArbitrary();

    /// <summary>The outcome of one attempt, a function of the attempt alone: 0 success, 1 failure, 2 invalid output; and its label.</summary>
    private static (int Outcome, string Label) Oracle(int seed, WorkflowContext context)
    {
        var attempt = context.Attempt;
        // A child run's id ends with its parent attempt's visit and attempt: part of the key, the parent's run id is not.
        var child = context.WorkflowName == "child" ? context.WorkflowId[(context.WorkflowId.IndexOf(':', StringComparison.Ordinal) + 1)..] : string.Empty;
        var key = $"{seed}|{context.WorkflowName}|{child}|{attempt.StepId}|{attempt.Visit}|{attempt.Number}";
        var hash = 17;
        foreach (var c in key)
        {
            hash = unchecked((hash * 31) + c);
        }

        var roll = (hash & 0x7fffffff) % 10;
        return (roll < 6 ? 0 : roll < 9 ? 1 : 2, ((hash >> 8) & 1) == 0 ? "a" : "b");
    }

    private static Func<WorkerCall, WorkflowContext, CancellationToken, Task<object?>> Worker(int seed, Random finish, Func<CancellationToken, Task>? interrupt = null)
        => async (call, context, token) =>
        {
            if (interrupt is not null)
            {
                await interrupt(token);
            }

            // A random finish order: every attempt sleeps a little, differently on every run.
            int delay;
            lock (finish)
            {
                delay = finish.Next(0, 3);
            }

            await Task.Delay(delay, token);
            var (outcome, label) = Oracle(seed, context);
            var items = Enumerable.Range(0, 1 + (Math.Abs(seed + call.Visit) % 3)).ToArray();
            return outcome switch
            {
                1 => throw new InvalidOperationException($"scripted failure of {call.StepId}"),
                2 => throw new InvalidWorkerOutputException($"scripted invalid output of {call.StepId}"),
                _ => new { step = call.StepId, visit = call.Visit, attempt = call.Attempt, label, items },
            };
        };

    private static Orchestrator NewHub(IRunStore? store, string owner, Func<WorkerCall, WorkflowContext, CancellationToken, Task<object?>> body)
    {
        var orchestrator = Hub.Create(new RecordingTimeProvider(), store, ownerId: owner).With(new FakeWorker("w") { OnCallAsync = body });
        orchestrator.RegisterWorkflow(Child());
        return orchestrator;
    }

    private static WorkflowResult Run(Scenario scenario, int finishSeed)
    {
        var orchestrator = NewHub(null, "p", Worker(scenario.Seed, new Random(finishSeed)));
        orchestrator.RegisterWorkflow(scenario.ToWorkflow());
        return orchestrator.ExecuteWorkflowAsync("constructs", "goal").GetAwaiter().GetResult();
    }

    /// <summary>Everything recorded but time, with the run id replaced (child run ids name their parent run).</summary>
    private static List<string> Comparable(WorkflowResult result)
        => [.. result.History.Select(e => string.Join(
                "|", e.Sequence, e.StepId, e.WorkerType.Value, e.WorkerName, e.Visit, e.Attempt, e.Outcome,
                KeelJson.ToText(e.Input), KeelJson.ToText(e.Output), e.Error, e.NextStep).Replace(result.RunId, "RUN", StringComparison.Ordinal)),
            $"{result.State}|{result.CurrentStep}|{result.Error}|{result.FinalOutput?.GetRawText()}".Replace(result.RunId, "RUN", StringComparison.Ordinal)];

    private static IEnumerable<(string, int, int, AttemptOutcome, string)> Routing(WorkflowResult result)
        => result.History.Select(e => (e.StepId, e.Visit, e.Attempt, e.Outcome, e.NextStep));

    [Property(MaxTest = 60)]
    public Property Execute_SameDefinitionAndOutcomes_AnyFinishOrder_GiveTheSamePathAndHistory()
        => Prop.ForAll(Scenarios, Gen.Choose(0, 1000).ToArbitrary(), (scenario, finishSeed) =>
        {
            var first = Run(scenario, finishSeed);
            var second = Run(scenario, finishSeed + 1);

            Assert.True(first.State is WorkflowState.Completed or WorkflowState.Failed, first.Error);
            Assert.Equal(first.Path, second.Path);
            Assert.Equal(Comparable(first), Comparable(second));
            Assert.Equal(Enumerable.Range(0, first.History.Count), first.History.Select(e => e.Sequence));
        });

    [Property(MaxTest = 40)]
    public Property Replay_RecordedOutcomes_ReproduceThePath()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var first = Run(scenario, 1);

            // Workers that give back what the history recorded (outputs, errors), by attempt.
            var recorded = first.History.ToDictionary(e => (e.StepId, e.Visit, e.Attempt));
            var replaying = NewHub(null, "r", async (call, context, token) =>
            {
                await Task.Yield();
                if (context.WorkflowName == "child")
                {
                    return await Worker(scenario.Seed, new Random(2))(call, context, token);
                }

                var entry = recorded[(call.StepId, call.Visit, call.Attempt)];
                return entry.Outcome switch
                {
                    AttemptOutcome.Succeeded => entry.Output,
                    AttemptOutcome.InvalidOutput when entry.Output.ValueKind != JsonValueKind.Undefined => entry.Output,
                    AttemptOutcome.InvalidOutput => throw new InvalidWorkerOutputException(entry.Error!),
                    _ => throw new InvalidOperationException(entry.Error),
                };
            });
            replaying.RegisterWorkflow(scenario.ToWorkflow());
            var replay = replaying.ExecuteWorkflowAsync("constructs", "goal").GetAwaiter().GetResult();

            Assert.Equal(Routing(first), Routing(replay));
            Assert.Equal(first.State, replay.State);

            // The routing law alone (no worker) agrees with the recorded history.
            var report = RoutingReplay.Compare(scenario.ToWorkflow(), [(first.RunId, first.History)]);
            Assert.True(report.AllSamePath, report + Environment.NewLine + string.Join(Environment.NewLine, first.History));
        });

    [Property(MaxTest = 40)]
    public Property Resume_InterruptedAnywhere_MatchesAnUninterruptedRun()
        => Prop.ForAll(Scenarios, Gen.Choose(0, 8).ToArbitrary(), (scenario, interruptAt) =>
        {
            var straight = Run(scenario, 3);
            var store = new InMemoryRunStore();
            using var stop = new CancellationTokenSource();
            var calls = 0;
            var first = NewHub(store, "first", Worker(scenario.Seed, new Random(4), async token =>
            {
                if (Interlocked.Increment(ref calls) == interruptAt + 1)
                {
                    await stop.CancelAsync();
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                }
            }));
            first.RegisterWorkflow(scenario.ToWorkflow());
            WorkflowResult resumed;
            try
            {
                resumed = first.ExecuteWorkflowAsync("constructs", "goal", new ExecuteOptions { RunId = "run" }, stop.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                var second = NewHub(store, "second", Worker(scenario.Seed, new Random(5)));
                second.RegisterWorkflow(scenario.ToWorkflow());
                resumed = second.ResumeAsync("run").GetAwaiter().GetResult();
            }

            Assert.Equal(Routing(straight), Routing(resumed));
            Assert.Equal(Enumerable.Range(0, resumed.History.Count), resumed.History.Select(e => e.Sequence));
            Assert.Equal((straight.State, straight.Error?.Replace(straight.RunId + ":", "RUN:", StringComparison.Ordinal)), (resumed.State, resumed.Error?.Replace("run:", "RUN:", StringComparison.Ordinal)));
        });
}
