namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// One step that loops on itself through its failure path: every attempt but the last fails (a new visit
/// follows), the last succeeds and the run completes. One checkpoint per attempt.
/// </summary>
internal static class LoopWorkflow
{
    public const string Name = "loop";

    public static Orchestrator Register(Orchestrator orchestrator)
    {
        var worker = new WorkerType("ticker");
        orchestrator.RegisterWorker(new WorkerDefinition(worker, "Ticker", "counts", (input, context, cancellationToken) =>
        {
            var visit = context.Attempt.Visit;
            context.Data.Set("n", visit);
            if (visit < context.Data.Get<int>("attempts"))
            {
                throw new InvalidOperationException("again");
            }

            return new ValueTask<object?>(new { visit });
        }));
        var workflow = new WorkflowDefinition(Name) { MaxSteps = 100_000 };
        workflow.AddStep(new WorkflowStep("tick", worker, onSuccess: WorkflowStep.Complete, onFailure: "tick"), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }

    public static ExecuteOptions Options(int attempts) => new() { Data = new Dictionary<string, object?> { ["attempts"] = attempts } };
}
