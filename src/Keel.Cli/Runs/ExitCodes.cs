namespace Keel.Cli.Runs;

/// <summary>The keel command's exit codes.</summary>
internal static class ExitCodes
{
    public const int Completed = 0;
    public const int RunFailed = 1;
    public const int BadInput = 2;
    public const int WaitingForApproval = 3;
    public const int StoreFailure = 4;
    public const int Paused = 5;
    public const int Interrupted = 130;

    public static readonly string[] Lines =
    [
        "0    completed (validate: the file is valid; replay: no run would change path; serve: stopped by Ctrl+C or SIGTERM)",
        "1    the run failed or was cancelled (replay: some run would take another path)",
        "2    bad input: arguments, workflow file, unknown run or store",
        "3    the run waits for approval (keel approve / keel reject)",
        "4    the run store failed: it cannot be opened, read or written, or its file is damaged (the message names the file)",
        "5    the run is paused (keel unpause, then keel resume or a keel worker)",
        "130  interrupted by Ctrl+C (SIGINT) or SIGTERM; the run stays resumable (keel resume)",
    ];

    public static int For(WorkflowState state) => state switch
    {
        WorkflowState.Completed => Completed,
        WorkflowState.WaitingForApproval => WaitingForApproval,
        WorkflowState.Paused => Paused,
        _ => RunFailed,
    };
}
