namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// A chain of N steps served by one trivial worker: N successful attempts, one checkpoint each. The
/// immediate worker returns at once, so a run measures what the hub and the store add to each attempt and
/// nothing else. The awaiting worker yields once first, as a worker awaiting a model call does, so
/// concurrent runs interleave (and a lone run pays the thread pool's hand-off, which is the worker's cost).
/// </summary>
internal static class ChainWorkflow
{
    private static readonly WorkerType Immediate = new("stepper");
    private static readonly WorkerType Awaiting = new("awaiting_stepper");

    public static string Name(int steps, bool awaiting = false) => (awaiting ? "awaiting_chain_" : "chain_") + steps;

    public static Orchestrator Register(Orchestrator orchestrator, params int[] lengths)
    {
        orchestrator.RegisterWorker(new WorkerDefinition(Immediate, "Stepper", "records its position", (input, context, cancellationToken) =>
        {
            context.Data.Set("at", context.Attempt.StepId);
            return ValueTask.FromResult<object?>(new { step = context.Attempt.StepId, ok = true });
        }));
        orchestrator.RegisterWorker(new WorkerDefinition(Awaiting, "Awaiting stepper", "awaits, then records its position", async (input, context, cancellationToken) =>
        {
            await Task.Yield();
            context.Data.Set("at", context.Attempt.StepId);
            return new { step = context.Attempt.StepId, ok = true };
        }));
        foreach (var length in lengths)
        {
            orchestrator.RegisterWorkflow(Chain(length, awaiting: false));
            orchestrator.RegisterWorkflow(Chain(length, awaiting: true));
        }

        return orchestrator;
    }

    private static WorkflowDefinition Chain(int length, bool awaiting)
    {
        var worker = awaiting ? Awaiting : Immediate;
        var workflow = new WorkflowDefinition(Name(length, awaiting)) { MaxSteps = length + 1 };
        for (var i = 0; i < length; i++)
        {
            workflow.AddStep(new WorkflowStep("s" + i, worker, onSuccess: i + 1 < length ? "s" + (i + 1) : WorkflowStep.Complete), isInitial: i == 0);
        }

        return workflow;
    }
}
