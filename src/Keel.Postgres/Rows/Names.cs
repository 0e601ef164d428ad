namespace Keel.Postgres.Rows;

/// <summary>How states, outcomes and times are written: states and outcomes by their recorded snake-case names, times as UTC ticks.</summary>
internal static class Names
{
    public static string? Of(RunControl control) => control switch
    {
        RunControl.None => null,
        RunControl.Cancel => "cancel",
        RunControl.Pause => "pause",
        _ => throw new ArgumentOutOfRangeException(nameof(control), control, "Unknown run control."),
    };

    public static RunControl Control(string? name) => name switch
    {
        null => RunControl.None,
        "cancel" => RunControl.Cancel,
        "pause" => RunControl.Pause,
        _ => throw new KeelException($"The run store holds an unknown control request '{name}'."),
    };

    public static string Of(WorkflowState state) => StableNames.Of(state);

    public static string Of(AttemptOutcome outcome) => StableNames.Of(outcome);

    public static WorkflowState State(string name)
        => StableNames.TryParse(name, out WorkflowState state) ? state : throw new KeelException($"The PostgreSQL run store holds an unknown run state '{name}'.");

    public static AttemptOutcome Outcome(string name)
        => StableNames.TryParse(name, out AttemptOutcome outcome) ? outcome : throw new KeelException($"The PostgreSQL run store holds an unknown attempt outcome '{name}'.");

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static long? Ticks(DateTimeOffset? time) => time?.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
