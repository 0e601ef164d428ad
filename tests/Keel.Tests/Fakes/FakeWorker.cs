using System.Text.Json;

namespace Keel.Tests.Fakes;

/// <summary>What a worker saw on one call.</summary>
public sealed record WorkerCall(JsonElement Input, string StepId, int Visit, int Attempt, string IdempotencyKey, AttemptOutcome? PreviousOutcome, string? PreviousError);

/// <summary>
/// A hand-written worker: every call is recorded, and what it does is a callback property a test sets.
/// By default it succeeds with a small object naming the step, visit and attempt.
/// </summary>
public sealed class FakeWorker
{
    private readonly Lock _gate = new();
    private readonly List<WorkerCall> _calls = [];

    public FakeWorker(WorkerType workerType, string? name = null)
    {
        WorkerType = workerType;
        Name = name ?? workerType.Value + "_worker";
    }

    public WorkerType WorkerType { get; }

    public string Name { get; }

    /// <summary>What a call returns (or throws). Runs synchronously.</summary>
    public Func<WorkerCall, WorkflowContext, object?> OnCall { get; set; } = static (call, _) => new { step = call.StepId, visit = call.Visit, attempt = call.Attempt };

    /// <summary>When set, replaces <see cref="OnCall"/> with an asynchronous body that gets the attempt's token.</summary>
    public Func<WorkerCall, WorkflowContext, CancellationToken, Task<object?>>? OnCallAsync { get; set; }

    public InputTransformer? InputTransformer { get; set; }

    public OutputTransformer? OutputTransformer { get; set; }

    public OutputValidator? OutputValidator { get; set; }

    public IReadOnlyList<WorkerCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToArray();
            }
        }
    }

    public int CallCount => Calls.Count;

    public WorkerDefinition Definition => new(
        WorkerType,
        Name,
        "a worker under test",
        Execute,
        InputTransformer,
        OutputTransformer,
        OutputValidator);

    private ValueTask<object?> Execute(JsonElement input, WorkflowContext context, CancellationToken cancellationToken)
    {
        var attempt = context.Attempt;
        var call = new WorkerCall(input.Clone(), attempt.StepId, attempt.Visit, attempt.Number, attempt.IdempotencyKey, attempt.PreviousOutcome, attempt.PreviousError);
        lock (_gate)
        {
            _calls.Add(call);
        }

        if (OnCallAsync is { } body)
        {
            return new ValueTask<object?>(body(call, context, cancellationToken));
        }

        return new ValueTask<object?>(OnCall(call, context));
    }
}
