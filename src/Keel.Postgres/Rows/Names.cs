namespace Keel.Postgres.Rows;

/// <summary>How states, outcomes and times are written: states and outcomes by their recorded snake-case names, times as UTC ticks.</summary>
internal static class Names
{
    public static string Of(WorkflowState state) => StableNames.Of(state);

    public static string Of(AttemptOutcome outcome) => StableNames.Of(outcome);

    public static WorkflowState State(string name)
        => StableNames.TryParse(name, out WorkflowState state) ? state : throw new KeelException($"The PostgreSQL run store holds an unknown run state '{name}'.");

    public static AttemptOutcome Outcome(string name)
        => StableNames.TryParse(name, out AttemptOutcome outcome) ? outcome : throw new KeelException($"The PostgreSQL run store holds an unknown attempt outcome '{name}'.");

    private static readonly string[] Controls = ["none", "cancel", "pause"];

    public static string Of(RunControl control)
        => (uint)control < (uint)Controls.Length ? Controls[(int)control] : throw new ArgumentOutOfRangeException(nameof(control), control, "Unknown run control.");

    public static RunControl Control(string name)
        => Array.IndexOf(Controls, name) is var i and >= 0 ? (RunControl)i : throw new KeelException($"The PostgreSQL run store holds an unknown control request '{name}'.");

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static long? Ticks(DateTimeOffset? time) => time?.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
