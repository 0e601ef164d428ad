using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel pause RUN</c> and <c>keel unpause RUN</c>: stop and restart a run from any process, without owning it.</summary>
internal static class PauseCommand
{
    public static Command Pause(CommandIo io) => Create(io, "pause", "Pause a run: the attempt in flight finishes and is recorded, then no one drives the run until 'keel unpause'.", pause: true);

    public static Command Unpause(CommandIo io) => Create(io, "unpause", "Resume a paused run: it becomes pending, for 'keel worker' or 'keel resume' to drive.", pause: false);

    private static Command Create(CommandIo io, string name, string description, bool pause)
    {
        var run = CommonOptions.Run();
        var by = CommonOptions.By();
        var store = CommonOptions.Store();
        var command = new Command(name, description) { run, by, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(run)!, CommonOptions.Who(parse.GetValue(by)), parse.GetValue(store), pause, cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string runArgument, string who, string? storeOption, bool pause, CancellationToken cancellationToken)
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
            var after = pause
                ? await session.Orchestrator.PauseAsync(run.RunId, who, cancellationToken).ConfigureAwait(false)
                : await session.Orchestrator.UnpauseAsync(run.RunId, who, cancellationToken).ConfigureAwait(false);
            io.Out.WriteLine((pause, after.State) switch
            {
                (true, WorkflowState.Paused) => $"Paused run {after.RunId} at step '{after.CurrentStep}'. Resume it with: keel unpause {after.RunId}{StorePaths.Suffix(storeOption)}",
                (true, _) => $"Pause requested for run {after.RunId}: its owner {after.LeaseOwner ?? "(none)"} stops after the attempt in flight.",
                (false, WorkflowState.Pending) when RunWorkers.FileOf(run) == "-" => $"Run {after.RunId} is pending again at step '{after.CurrentStep}': the keel serve or keel worker that runs workflow '{after.WorkflowName}' drives it.",
                (false, WorkflowState.Pending) => $"Run {after.RunId} is pending again at step '{after.CurrentStep}': 'keel worker' or 'keel resume {after.RunId}{StorePaths.Suffix(storeOption)}' drives it.",
                (false, _) when run.Control == RunControl.Pause => $"The pause requested for run {after.RunId} is withdrawn: it goes on {StableNames.Of(after.State)}.",
                (false, _) => $"Run {after.RunId} is {StableNames.Of(after.State)}; no pause is pending.",
            });
            return ExitCodes.Completed;
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
    }
}
