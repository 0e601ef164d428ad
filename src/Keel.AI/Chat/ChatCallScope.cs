namespace Keel.AI;

/// <summary>
/// The attempt a model call belongs to, carried in an <see cref="AsyncLocal{T}"/> that chat and agent
/// workers set around their calls: recording and replay key each call by step, visit, attempt and the
/// call's index within the attempt.
/// </summary>
public sealed class ChatCallScope
{
    private static readonly AsyncLocal<ChatCallScope?> CurrentScope = new();
    private int _calls;

    private ChatCallScope(string stepId, int visit, int attempt)
    {
        StepId = stepId;
        Visit = visit;
        Attempt = attempt;
    }

    /// <summary>The scope of the call being made, or null outside a worker.</summary>
    public static ChatCallScope? Current => CurrentScope.Value;

    /// <summary>The step of the attempt making the call.</summary>
    public string StepId { get; }

    /// <summary>The visit of the step (from 1).</summary>
    public int Visit { get; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public int Attempt { get; }

    /// <summary>Enters the scope of an attempt until the returned handle is disposed.</summary>
    public static IDisposable Enter(string stepId, int visit, int attempt)
    {
        var previous = CurrentScope.Value;
        CurrentScope.Value = new ChatCallScope(stepId, visit, attempt);
        return new Exit(previous);
    }

    /// <summary>Enters the scope of the attempt a worker is running.</summary>
    public static IDisposable Enter(WorkflowContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Enter(context.Attempt.StepId, context.Attempt.Visit, context.Attempt.Number);
    }

    /// <summary>The key of the next call in this scope (the call index counts from 1).</summary>
    public ChatCallKey NextKey() => new(StepId, Visit, Attempt, Interlocked.Increment(ref _calls));

    private sealed class Exit(ChatCallScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}

/// <summary>Where a model call was made: step, visit, attempt and the call's index within the attempt (from 1).</summary>
public sealed record ChatCallKey(string StepId, int Visit, int Attempt, int Call)
{
    /// <summary>The key as words: step, visit, attempt and call index.</summary>
    public override string ToString() => $"step '{StepId}' visit {Visit} attempt {Attempt} call {Call}";
}
