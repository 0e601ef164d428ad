namespace Keel.Testing;

/// <summary>
/// Five steps with a retry and a loop-back: plan, code, test (its first attempt fails, retried), review (its
/// first visit asks for changes and loops back to code), deploy. Every worker is a pure function of what it
/// sees, and returns what it saw, so two executions can be compared entry by entry: the conformance suite
/// interrupts it at every attempt, and a crash test can kill the process that runs it.
/// </summary>
public static class CrashWorkflow
{
    /// <summary>The workflow's name.</summary>
    public const string Name = "crash_five";

    /// <summary>The step ids, in order.</summary>
    public static IReadOnlyList<string> Steps { get; } = ["plan", "code", "test", "review", "deploy"];

    /// <summary>A new copy of the definition.</summary>
    public static WorkflowDefinition Definition()
    {
        var workflow = new WorkflowDefinition(Name, "five steps with a retry and a loop-back", "ship it");
        workflow.AddStep(new WorkflowStep("plan", new WorkerType("planner"), onSuccess: "code"), isInitial: true);
        workflow.AddStep(new WorkflowStep("code", new WorkerType("coder"), onSuccess: "test"));
        workflow.AddStep(new WorkflowStep("test", new WorkerType("tester"), onSuccess: "review", maxRetries: 1));
        workflow.AddStep(new WorkflowStep("review", new WorkerType("reviewer"), onSuccess: "deploy", onFailure: "code"));
        workflow.AddStep(new WorkflowStep("deploy", new WorkerType("deployer"), onSuccess: WorkflowStep.Complete));
        return workflow;
    }

    /// <summary>
    /// Registers the workflow and its workers. <paramref name="beforeWork"/> runs at the start of every
    /// attempt, before the work (where a side effect is logged, or the attempt is held).
    /// </summary>
    public static Orchestrator Register(Orchestrator orchestrator, Func<WorkflowContext, CancellationToken, ValueTask>? beforeWork = null)
    {
        foreach (var step in Definition().Steps)
        {
            var stepId = step.StepId;
            orchestrator.RegisterWorker(new WorkerDefinition(step.WorkerType, stepId + "-worker", "does " + stepId, async (input, context, cancellationToken) =>
            {
                if (beforeWork is not null)
                {
                    await beforeWork(context, cancellationToken).ConfigureAwait(false);
                }

                return Work(stepId, input, context);
            }));
        }

        orchestrator.RegisterWorkflow(Definition());
        return orchestrator;
    }

    private static object Work(string stepId, System.Text.Json.JsonElement input, WorkflowContext context)
    {
        var attempt = context.Attempt;
        if (stepId == "test" && attempt.Visit == 1 && attempt.Number == 1)
        {
            throw new InvalidOperationException("flaky test run");
        }

        if (stepId == "review" && attempt.Visit == 1)
        {
            throw new InvalidOperationException("changes requested");
        }

        var trail = context.Data.Get<string>("trail") ?? string.Empty;
        context.Data.Set("trail", trail + "/" + stepId + attempt.Visit);
        context.Data.Set(stepId, new { visit = attempt.Visit, attempt = attempt.Number, seed = context.Data.Get<int>("seed") });
        context.ReportUsage(new TokenUsage(10 * attempt.Visit, 3, "model-x", 0.01m));
        return new
        {
            step = stepId,
            visit = attempt.Visit,
            attempt = attempt.Number,
            previousError = attempt.PreviousError,
            input,
            seen = context.Data.Snapshot(),
            historyCount = context.History.Count,
            lastOutput = context.GetLastOutput(),
        };
    }
}
