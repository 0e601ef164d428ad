using System.Text.Json;

namespace Keel;

/// <summary>
/// Does a worker's job. Gets the input the hub built (normalised JSON), the run's context and a
/// cancellation token that fires on timeout, cancellation or shutdown. Returns any value that
/// serialises to JSON; the hub records it and hands it on. Throwing fails the attempt.
/// </summary>
public delegate ValueTask<object?> WorkerExecutor(JsonElement input, WorkflowContext context, CancellationToken cancellationToken);

/// <summary>Prepares a worker's input from the context (transformer middleware, before the worker).</summary>
public delegate object? InputTransformer(WorkflowContext context);

/// <summary>Shapes a worker's output before it is recorded (transformer middleware, after the worker).</summary>
public delegate object? OutputTransformer(object? output, WorkflowContext context);

/// <summary>Checks a (transformed, normalised) output: returns null when valid, else what is wrong.</summary>
public delegate string? OutputValidator(JsonElement output, WorkflowContext context);
