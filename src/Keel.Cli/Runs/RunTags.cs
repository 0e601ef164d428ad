namespace Keel.Cli.Runs;

/// <summary>
/// Reserved keys the keel command writes into a run's initial data bus. <c>_keel.file</c> holds the full
/// path of the workflow file the run was started from (or <c>builtin:build-website</c> for the demo, with <c> (chat)</c> when it ran on a model),
/// so <c>keel resume</c>, <c>approve</c> and <c>reject</c> can rebuild the run's workers.
/// </summary>
internal static class RunTags
{
    public const string Prefix = "_keel.";

    public const string File = "_keel.file";

    public const string Demo = "builtin:build-website";

    /// <summary>The prefix of a run of a frozen plan (<c>plan:HASH</c>), whose workers are the built-in ones.</summary>
    public const string PlanPrefix = "plan:";

    /// <summary>The demo run on chat workers (a model was configured when it started).</summary>
    public const string DemoChat = "builtin:build-website (chat)";
}
