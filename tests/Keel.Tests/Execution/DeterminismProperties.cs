using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

/// <summary>
/// The law of the hub, checked on random valid workflows and random step outcomes: the same definition and
/// the same outcomes give the same path and the same history, every time.
/// </summary>
public sealed class DeterminismProperties
{
    public enum Scripted
    {
        Succeed,
        Fail,
        Invalid,
    }

    /// <summary>A step: where success and failure lead (forward mostly, backward sometimes: Validate() filters out success-only cycles) (a step index, <c>n</c> for complete, -2 for failed, -1 for none) and its retries.</summary>
    public sealed record StepSpec(int OnSuccess, int OnFailure, int MaxRetries);

    public sealed record Scenario(StepSpec[] Steps, int MaxSteps, Scripted[] Outcomes)
    {
        public WorkflowDefinition ToWorkflow()
        {
            var n = Steps.Length;
            string Target(int index) => index == n ? WorkflowStep.Complete : index == -2 ? WorkflowStep.Failed : "s" + index;
            var workflow = new WorkflowDefinition("random_flow") { MaxSteps = MaxSteps };
            for (var i = 0; i < n; i++)
            {
                var spec = Steps[i];
                workflow.AddStep(
                    new WorkflowStep(
                        stepId: "s" + i,
                        workerType: i % 2 == 0 ? "even_worker" : "odd_worker",
                        onSuccess: Target(spec.OnSuccess),
                        onFailure: spec.OnFailure == -1 ? null : Target(spec.OnFailure),
                        maxRetries: spec.MaxRetries),
                    isInitial: i == 0);
            }

            return workflow;
        }

        public override string ToString()
            => $"steps [{string.Join("; ", Steps.Select((s, i) => $"s{i}: ok->{s.OnSuccess} fail->{s.OnFailure} retries {s.MaxRetries}"))}], budget {MaxSteps}, outcomes [{string.Join(",", Outcomes)}]";
    }

    private static Gen<StepSpec> StepGen(int index, int count)
        => from onSuccess in Gen.Frequency((4, Gen.Constant(index + 1)), (2, Gen.Choose(index + 1, count)), (1, Gen.Choose(0, count)))
           from onFailure in Gen.Choose(-2, count)
           from retries in Gen.Choose(0, 3)
           select new StepSpec(onSuccess, onFailure, retries);

    private static readonly Gen<Scripted> OutcomeGen = Gen.Frequency(
        (5, Gen.Constant(Scripted.Succeed)),
        (4, Gen.Constant(Scripted.Fail)),
        (1, Gen.Constant(Scripted.Invalid)));

    private static Gen<Scenario> ScenarioGen()
        => (from n in Gen.Choose(1, 6)
            from steps in Gen.CollectToArray(Enumerable.Range(0, n).Select(i => StepGen(i, n)))
            from budget in Gen.Choose(1, 40)
            from outcomes in Gen.ArrayOf(OutcomeGen)
            select new Scenario(steps, budget, outcomes))
           .Where(s => s.ToWorkflow().Validate().Count == 0);

    private static Arbitrary<Scenario> Scenarios => ScenarioGen().ToArbitrary();

    /// <summary>Runs the scenario on a fresh hub: the workers answer per the script, by call index (success once it runs out).</summary>
    private static WorkflowResult Run(WorkflowDefinition workflow, IReadOnlyList<Scripted> script)
    {
        var calls = 0;
        object? Answer(WorkerCall call, WorkflowContext context)
        {
            var k = calls++;
            var outcome = k < script.Count ? script[k] : Scripted.Succeed;
            return outcome switch
            {
                Scripted.Fail => throw new InvalidOperationException($"scripted failure #{k}"),
                Scripted.Invalid => throw new InvalidWorkerOutputException($"scripted invalid output #{k}"),
                _ => new { k, step = call.StepId, visit = call.Visit, attempt = call.Attempt },
            };
        }

        var orchestrator = Hub.Create(new RecordingTimeProvider())
            .With(new FakeWorker("even_worker") { OnCall = Answer }, new FakeWorker("odd_worker") { OnCall = Answer });
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator.ExecuteWorkflowAsync("random_flow", "goal").GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs the scenario on a stored hub that is interrupted at worker call <paramref name="interruptAt"/>, then resumes it
    /// in a second hub on the same store whose workers continue the script from the attempt that was in flight.
    /// </summary>
    private static WorkflowResult RunInterrupted(WorkflowDefinition workflow, IReadOnlyList<Scripted> script, int interruptAt)
    {
        var store = new InMemoryRunStore();
        var clock = new RecordingTimeProvider();
        using var stop = new CancellationTokenSource();
        var calls = 0;

        Func<WorkerCall, WorkflowContext, CancellationToken, Task<object?>> Worker(bool interrupting) => async (call, context, token) =>
        {
            var k = calls++;
            if (interrupting && k == interruptAt)
            {
                await stop.CancelAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }

            var outcome = k < script.Count ? script[k] : Scripted.Succeed;
            return outcome switch
            {
                Scripted.Fail => throw new InvalidOperationException($"scripted failure #{k}"),
                Scripted.Invalid => throw new InvalidWorkerOutputException($"scripted invalid output #{k}"),
                _ => new { k, step = call.StepId, visit = call.Visit, attempt = call.Attempt },
            };
        };

        var first = Hub.Create(clock, store, ownerId: "first")
            .With(new FakeWorker("even_worker") { OnCallAsync = Worker(true) }, new FakeWorker("odd_worker") { OnCallAsync = Worker(true) });
        first.RegisterWorkflow(workflow);
        try
        {
            var finished = first.ExecuteWorkflowAsync("random_flow", "goal", new ExecuteOptions { RunId = "interrupted" }, stop.Token).GetAwaiter().GetResult();
            return finished;
        }
        catch (OperationCanceledException)
        {
        }

        calls = interruptAt;
        var second = Hub.Create(clock, store, ownerId: "second")
            .With(new FakeWorker("even_worker") { OnCallAsync = Worker(false) }, new FakeWorker("odd_worker") { OnCallAsync = Worker(false) });
        second.RegisterWorkflow(workflow);
        return second.ResumeAsync("interrupted").GetAwaiter().GetResult();
    }

    private static IEnumerable<object?> Comparable(WorkflowResult result)
        => result.History.Select(e => (object?)(e.Sequence, e.StepId, e.WorkerType.Value, e.WorkerName, e.Visit, e.Attempt, e.Outcome, KeelJson.ToText(e.Input), KeelJson.ToText(e.Output), e.Error, e.NextStep))
            .Append((result.State, result.CurrentStep, result.Error, result.FinalOutput?.GetRawText()));

    private static IEnumerable<(string, int, int, AttemptOutcome, string)> Routing(WorkflowResult result)
        => result.History.Select(e => (e.StepId, e.Visit, e.Attempt, e.Outcome, e.NextStep));

    [Property(MaxTest = 150)]
    public Property Execute_SameDefinitionAndOutcomes_GiveTheSamePathAndHistory()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var first = Run(scenario.ToWorkflow(), scenario.Outcomes);
            var second = Run(scenario.ToWorkflow(), scenario.Outcomes);

            Assert.NotEqual(first.RunId, second.RunId);
            Assert.Equal(first.Path, second.Path);
            Assert.Equal(Comparable(first), Comparable(second));
        });

    [Property(MaxTest = 150)]
    public Property Execute_AnyScenario_MakesAtMostMaxRetriesPlusOneAttemptsPerVisit()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var result = Run(scenario.ToWorkflow(), scenario.Outcomes);

            Assert.True(result.State is WorkflowState.Completed or WorkflowState.Failed);
            Assert.True(result.Path.Count <= scenario.MaxSteps);
            foreach (var visit in result.History.GroupBy(e => (e.StepId, e.Visit)))
            {
                var retries = scenario.Steps[int.Parse(visit.Key.StepId[1..], System.Globalization.CultureInfo.InvariantCulture)].MaxRetries;
                Assert.Equal(Enumerable.Range(1, visit.Count()), visit.Select(e => e.Attempt));
                Assert.True(visit.Count() <= retries + 1, $"{visit.Key} made {visit.Count()} attempts with max_retries {retries}");
            }
        });

    [Property(MaxTest = 150)]
    public Property Replay_RecordedOutcomes_ReproduceTheRouting()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var first = Run(scenario.ToWorkflow(), scenario.Outcomes);
            var recorded = first.History.Select(e => e.Outcome switch
            {
                AttemptOutcome.Succeeded => Scripted.Succeed,
                AttemptOutcome.InvalidOutput => Scripted.Invalid,
                _ => Scripted.Fail,
            }).ToArray();

            var replay = Run(scenario.ToWorkflow(), recorded);

            Assert.Equal(Routing(first), Routing(replay));
            Assert.Equal(first.State, replay.State);
        });

    [Property(MaxTest = 150)]
    public Property Execute_AnyScenario_RoutesAsTheReferenceModelSays()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var result = Run(scenario.ToWorkflow(), scenario.Outcomes);

            Assert.Equal(Model(scenario), Routing(result).Select(r => (r.Item1, r.Item2, r.Item3, r.Item5)));
        });

    /// <summary>The routing law written plainly, independent of the hub's implementation.</summary>
    private static List<(string Step, int Visit, int Attempt, string Next)> Model(Scenario scenario)
    {
        var n = scenario.Steps.Length;
        string Name(int index) => index == n ? WorkflowStep.Complete : index == -2 ? WorkflowStep.Failed : "s" + index;
        var trace = new List<(string, int, int, string)>();
        var visits = new int[n];
        var step = 0;
        var visit = visits[0] = 1;
        var attempt = 1;
        var taken = 1;
        var k = 0;
        while (true)
        {
            var outcome = k < scenario.Outcomes.Length ? scenario.Outcomes[k] : Scripted.Succeed;
            k++;
            var spec = scenario.Steps[step];
            int target;
            if (outcome == Scripted.Succeed)
            {
                target = spec.OnSuccess;
            }
            else if (attempt <= spec.MaxRetries)
            {
                trace.Add((Name(step), visit, attempt, Name(step)));
                attempt++;
                continue;
            }
            else
            {
                target = spec.OnFailure == -1 ? -2 : spec.OnFailure;
            }

            if (target >= 0 && target < n && taken >= scenario.MaxSteps)
            {
                target = -2;
            }

            trace.Add((Name(step), visit, attempt, Name(target)));
            if (target < 0 || target == n)
            {
                return trace;
            }

            step = target;
            visit = ++visits[step];
            attempt = 1;
            taken++;
        }
    }

    [Property(MaxTest = 100)]
    public Property Resume_InterruptedAnywhere_GivesTheSameRoutingAsAnUninterruptedRun()
        => Prop.ForAll(Scenarios, Gen.Frequency((3, Gen.Choose(0, 4)), (1, Gen.Choose(0, 30))).ToArbitrary(), (scenario, interruptAt) =>
        {
            var straight = Run(scenario.ToWorkflow(), scenario.Outcomes);
            var resumed = RunInterrupted(scenario.ToWorkflow(), scenario.Outcomes, interruptAt);

            Assert.Equal(Routing(straight), Routing(resumed));
            Assert.Equal(Enumerable.Range(0, resumed.History.Count), resumed.History.Select(e => e.Sequence));
            Assert.Equal((straight.State, straight.Error), (resumed.State, resumed.Error));
        });
}
