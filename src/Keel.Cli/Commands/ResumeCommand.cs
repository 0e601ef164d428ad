using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel resume RUN</c>: continues an interrupted run from its last committed attempt.</summary>
internal static class ResumeCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("resume", "Continue an interrupted run from its last committed attempt, on the definition it is pinned to and the workers of its workflow file.")
        {
            run, store, json,
        };
        command.SetAction((parse, cancellationToken) => StoredRun.ContinueAsync(
            io,
            parse.GetValue(run)!,
            parse.GetValue(store),
            parse.GetValue(json),
            (orchestrator, runId, token) => orchestrator.ResumeAsync(runId, null, token),
            cancellationToken));
        return command;
    }
}
