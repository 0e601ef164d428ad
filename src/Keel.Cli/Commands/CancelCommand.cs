using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel cancel RUN</c>: marks an interrupted or waiting run cancelled (recorded in its history).</summary>
internal static class CancelCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var by = CommonOptions.By();
        var reason = new Option<string?>("--reason", "-m") { Description = "Why (recorded in the history).", HelpName = "TEXT" };
        var store = CommonOptions.Store();
        var command = new Command("cancel", "Cancel a run: at once when nobody drives it, else as a request its driving process honours after the attempt in flight. A cancelled run cannot be resumed.") { run, by, reason, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(run)!, CommonOptions.Who(parse.GetValue(by)), parse.GetValue(reason), parse.GetValue(store), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string runArgument, string who, string? reason, string? storeOption, CancellationToken cancellationToken)
    {
        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var run = await session.FindRunAsync(runArgument, io.Error, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return ExitCodes.BadInput;
        }

        try
        {
            session.Register(RunWorkers.Placeholders(run));
            var result = await session.Orchestrator.CancelAsync(run.RunId, who, reason, cancellationToken).ConfigureAwait(false);
            io.Out.WriteLine(result.State == WorkflowState.Cancelled
                ? $"Cancelled run {result.RunId} at step '{result.CurrentStep}': {result.Error}"
                : $"Cancel requested for run {result.RunId}: the process driving it stops it at its next heartbeat or commit (follow it with: keel watch {result.RunId}{StorePaths.Suffix(storeOption)}).");
            return ExitCodes.Completed;
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
    }
}
