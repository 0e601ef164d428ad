namespace Keel.Postgres.Rows;

/// <summary>How states, outcomes and times are written: states and outcomes by their recorded snake-case names, times as UTC ticks.</summary>
internal static class Names
{
    private static readonly string[] States = ["pending", "running", "waiting_for_approval", "completed", "failed", "cancelled"];

    private static readonly string[] Outcomes = ["succeeded", "failed", "invalid_output", "timed_out", "cancelled", "approved", "rejected"];

    public static string Of(WorkflowState state)
        => (uint)state < (uint)States.Length ? States[(int)state] : throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown workflow state.");

    public static string Of(AttemptOutcome outcome)
        => (uint)outcome < (uint)Outcomes.Length ? Outcomes[(int)outcome] : throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown attempt outcome.");

    public static WorkflowState State(string name)
        => Array.IndexOf(States, name) is var i and >= 0 ? (WorkflowState)i : throw new KeelException($"The PostgreSQL run store holds an unknown run state '{name}'.");

    public static AttemptOutcome Outcome(string name)
        => Array.IndexOf(Outcomes, name) is var i and >= 0 ? (AttemptOutcome)i : throw new KeelException($"The PostgreSQL run store holds an unknown attempt outcome '{name}'.");

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static long? Ticks(DateTimeOffset? time) => time?.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
