using System.Globalization;

namespace Keel.Sqlite.Rows;

/// <summary>How enums, times and decimals are written in the store: states and outcomes by snake-case name, times as UTC ticks.</summary>
internal static class Names
{
    public static string Of(WorkflowState state) => state switch
    {
        WorkflowState.Pending => "pending",
        WorkflowState.Running => "running",
        WorkflowState.WaitingForApproval => "waiting_for_approval",
        WorkflowState.Completed => "completed",
        WorkflowState.Failed => "failed",
        WorkflowState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown workflow state."),
    };

    public static WorkflowState State(string name) => name switch
    {
        "pending" => WorkflowState.Pending,
        "running" => WorkflowState.Running,
        "waiting_for_approval" => WorkflowState.WaitingForApproval,
        "completed" => WorkflowState.Completed,
        "failed" => WorkflowState.Failed,
        "cancelled" => WorkflowState.Cancelled,
        _ => throw new KeelException($"The run store holds an unknown run state '{name}'."),
    };

    public static string Of(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => "succeeded",
        AttemptOutcome.Failed => "failed",
        AttemptOutcome.InvalidOutput => "invalid_output",
        AttemptOutcome.TimedOut => "timed_out",
        AttemptOutcome.Cancelled => "cancelled",
        AttemptOutcome.Approved => "approved",
        AttemptOutcome.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown attempt outcome."),
    };

    public static AttemptOutcome Outcome(string name) => name switch
    {
        "succeeded" => AttemptOutcome.Succeeded,
        "failed" => AttemptOutcome.Failed,
        "invalid_output" => AttemptOutcome.InvalidOutput,
        "timed_out" => AttemptOutcome.TimedOut,
        "cancelled" => AttemptOutcome.Cancelled,
        "approved" => AttemptOutcome.Approved,
        "rejected" => AttemptOutcome.Rejected,
        _ => throw new KeelException($"The run store holds an unknown attempt outcome '{name}'."),
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
