namespace Keel;

/// <summary>
/// The recorded names of run states and attempt outcomes (snake case). Stores, telemetry and the CLI all
/// write these, never the CLR enum names, so a stored run stays readable after an upgrade.
/// </summary>
internal static class StableNames
{
    private static readonly string[] States = ["pending", "running", "waiting_for_approval", "completed", "failed", "cancelled"];

    private static readonly string[] Outcomes = ["succeeded", "failed", "invalid_output", "timed_out", "cancelled", "approved", "rejected"];

    public static string Of(WorkflowState state)
        => (uint)state < (uint)States.Length ? States[(int)state] : throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown workflow state.");

    public static string Of(AttemptOutcome outcome)
        => (uint)outcome < (uint)Outcomes.Length ? Outcomes[(int)outcome] : throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown attempt outcome.");

    public static string Of(JoinMode join) => join == JoinMode.Any ? "any" : "all";

    public static bool TryParse(string name, out WorkflowState state)
    {
        var index = Array.IndexOf(States, name);
        state = (WorkflowState)Math.Max(index, 0);
        return index >= 0;
    }

    public static bool TryParse(string name, out AttemptOutcome outcome)
    {
        var index = Array.IndexOf(Outcomes, name);
        outcome = (AttemptOutcome)Math.Max(index, 0);
        return index >= 0;
    }
}
