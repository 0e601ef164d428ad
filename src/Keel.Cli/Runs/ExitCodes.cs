namespace Keel.Cli.Runs;

/// <summary>The keel command's exit codes.</summary>
internal static class ExitCodes
{
    public const int Completed = 0;
    public const int RunFailed = 1;
    public const int BadInput = 2;
    public const int WaitingForApproval = 3;
    public const int Interrupted = 130;

    public const string Help = "Exit codes: 0 completed (or valid), 1 the run failed or was cancelled, 2 bad input (arguments, workflow file, unknown run), 3 waiting for approval, 130 interrupted (Ctrl+C; the run stays resumable).";

    public static int For(WorkflowState state) => state switch
    {
        WorkflowState.Completed => Completed,
        WorkflowState.WaitingForApproval => WaitingForApproval,
        _ => RunFailed,
    };
}
