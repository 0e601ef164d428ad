namespace Keel;

/// <summary>
/// The recorded names of run states and attempt outcomes (snake case). Stores, telemetry and the CLI all
/// write these, never the CLR enum names, so a stored run stays readable after an upgrade.
/// </summary>
public static class StableNames
{
    private static readonly string[] States = ["pending", "running", "waiting_for_approval", "completed", "failed", "cancelled", "paused"];

    private static readonly string[] Outcomes = ["succeeded", "failed", "invalid_output", "timed_out", "cancelled", "approved", "rejected"];

    /// <summary>The recorded name of a state (<c>waiting_for_approval</c>, ...).</summary>
    public static string Of(WorkflowState state)
        => (uint)state < (uint)States.Length ? States[(int)state] : throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown workflow state.");

    /// <summary>The recorded name of an outcome (<c>timed_out</c>, ...).</summary>
    public static string Of(AttemptOutcome outcome)
        => (uint)outcome < (uint)Outcomes.Length ? Outcomes[(int)outcome] : throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown attempt outcome.");

    /// <summary>The recorded name of a join mode: <c>all</c> or <c>any</c>.</summary>
    public static string Of(JoinMode join) => join == JoinMode.Any ? "any" : "all";

    /// <summary>Reads a recorded state name; false when it is not one.</summary>
    public static bool TryParse(string name, out WorkflowState state)
    {
        var index = Array.IndexOf(States, name);
        state = (WorkflowState)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>Reads a recorded outcome name; false when it is not one.</summary>
    public static bool TryParse(string name, out AttemptOutcome outcome)
    {
        var index = Array.IndexOf(Outcomes, name);
        outcome = (AttemptOutcome)Math.Max(index, 0);
        return index >= 0;
    }
}
