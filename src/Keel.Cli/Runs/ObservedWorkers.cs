namespace Keel.Cli.Runs;

/// <summary>Wraps workers so the observer hears when each attempt starts.</summary>
internal static class ObservedWorkers
{
    public static WorkerDefinition Wrap(WorkerDefinition worker, IRunObserver observer)
    {
        var inner = worker.Executor;
        return new WorkerDefinition
        {
            WorkerType = worker.WorkerType,
            Name = worker.Name,
            Description = worker.Description,
            InputTransformer = worker.InputTransformer,
            OutputTransformer = worker.OutputTransformer,
            OutputValidator = worker.OutputValidator,
            Executor = (input, context, cancellationToken) =>
            {
                observer.Started(context.Attempt.StepId, worker.WorkerType, worker.Name, context.Attempt.Visit, context.Attempt.Number);
                return inner(input, context, cancellationToken);
            },
        };
    }
}
