namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// A chain of N steps served by one trivial worker: N successful attempts, one checkpoint each. The worker
/// yields once, as a worker awaiting a model call does, so concurrent runs interleave.
/// </summary>
internal static class ChainWorkflow
{
    private static readonly WorkerType Worker = new("stepper");

    public static string Name(int steps) => "chain_" + steps;

    public static Orchestrator Register(Orchestrator orchestrator, params int[] lengths)
    {
        orchestrator.RegisterWorker(new WorkerDefinition(Worker, "Stepper", "records its position", async (input, context, cancellationToken) =>
        {
            await Task.Yield();
            context.Data.Set("at", context.Attempt.StepId);
            return new { step = context.Attempt.StepId, ok = true };
        }));
        foreach (var length in lengths)
        {
            var workflow = new WorkflowDefinition(Name(length)) { MaxSteps = length + 1 };
            for (var i = 0; i < length; i++)
            {
                workflow.AddStep(new WorkflowStep("s" + i, Worker, onSuccess: i + 1 < length ? "s" + (i + 1) : WorkflowStep.Complete), isInitial: i == 0);
            }

            orchestrator.RegisterWorkflow(workflow);
        }

        return orchestrator;
    }
}
