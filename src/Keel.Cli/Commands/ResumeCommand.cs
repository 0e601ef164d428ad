using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel resume RUN</c>: continues an interrupted run from its last committed attempt.</summary>
internal static class ResumeCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var allowChange = new Option<bool>("--allow-definition-change")
        {
            Description = "Continue on the definition the run's workflow file holds now instead of the one the run is pinned to (for a run blocked by a changed definition: keel runs --blocked).",
        };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("resume", "Continue an interrupted run from its last committed attempt, on the definition it is pinned to and the workers of its workflow file.")
        {
            run, allowChange, store, json,
        };
        command.SetAction((parse, cancellationToken) => StoredRun.ContinueAsync(
            io,
            parse.GetValue(run)!,
            parse.GetValue(store),
            parse.GetValue(json),
            (orchestrator, runId, token) => orchestrator.ResumeAsync(runId, parse.GetValue(allowChange) ? AllowChange : null, token),
            cancellationToken,
            registerCurrentDefinition: parse.GetValue(allowChange)));
        return command;
    }

    private static readonly ResumeOptions AllowChange = new() { AllowDefinitionChange = true };
}
