using System.Globalization;

namespace Keel.Sqlite.Rows;

/// <summary>How enums, times and decimals are written in the store: states and outcomes by snake-case name, times as UTC ticks.</summary>
internal static class Names
{
    public static string Of(WorkflowState state) => StableNames.Of(state);

    public static WorkflowState State(string name)
        => StableNames.TryParse(name, out WorkflowState state) ? state : throw new KeelException($"The run store holds an unknown run state '{name}'.");

    public static string Of(AttemptOutcome outcome) => StableNames.Of(outcome);

    public static AttemptOutcome Outcome(string name)
        => StableNames.TryParse(name, out AttemptOutcome outcome) ? outcome : throw new KeelException($"The run store holds an unknown attempt outcome '{name}'.");

    public static object Of(RunControl control) => control switch
    {
        RunControl.None => DBNull.Value,
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

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static object Ticks(DateTimeOffset? time) => time is { } t ? t.UtcTicks : DBNull.Value;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static object Text(decimal? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : DBNull.Value;

    public static string? Invariant(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static decimal? Decimal(string? text) => text is null ? null : decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static object Db(string? text) => (object?)text ?? DBNull.Value;

    public static object Db(int? value) => value is { } v ? v : DBNull.Value;

    public static object Db(long? value) => value is { } v ? v : DBNull.Value;
}
