namespace Keel;

/// <summary>
/// A class-based worker resolved from dependency injection: register it with
/// <c>keel.AddWorker&lt;MyCoder&gt;(WorkerType.Coder)</c>. Each attempt gets a new instance from a new
/// scope (disposed after the attempt), the input read as <typeparamref name="TInput"/>, and the worker's
/// input and output JSON schemas are derived from the two types for planners and plan validation.
/// </summary>
public interface IWorker<TInput, TOutput>
{
    /// <summary>Does the work of one attempt; throwing fails the attempt.</summary>
    ValueTask<TOutput> ExecuteAsync(TInput input, WorkflowContext context, CancellationToken cancellationToken);
}
