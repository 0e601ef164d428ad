using System.CommandLine;
using System.Globalization;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel watch RUN</c>: follows a run's events from another terminal until it ends.</summary>
internal static class WatchCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var after = new Option<long>("--after") { Description = "Start after this event sequence (default 0: every event). Reconnect with the last one printed: no gap, no duplicate.", HelpName = "N" };
        var store = CommonOptions.Store();
        var command = new Command("watch", "Follow a run's events as any process commits them, until the run ends (Ctrl+C stops watching, not the run).") { run, after, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(run)!, parse.GetValue(after), parse.GetValue(store), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string runArgument, long after, string? storeOption, CancellationToken cancellationToken)
    {
        if (after < 0)
        {
            io.Error.WriteLine($"error: --after {after} is not a sequence (0 or more: the last event printed).");
            return ExitCodes.BadInput;
        }

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

        using var interrupt = new Interrupt(cancellationToken);
        try
        {
            await foreach (var runEvent in session.Store.WatchAsync(run.RunId, after, TimeSpan.FromMilliseconds(250), interrupt.Token).ConfigureAwait(false))
            {
                io.Out.WriteLine(Line(runEvent));
                io.Out.Flush();
                if (runEvent is RunEnded ended)
                {
                    return ExitCodes.For(ended.State);
                }
            }
        }
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            return ExitCodes.Interrupted;
        }

        return ExitCodes.Completed;
    }

    /// <summary>One line per event: its sequence, time, type and what changed.</summary>
    internal static string Line(RunEvent runEvent)
    {
        var what = runEvent switch
        {
            RunCreated e => $"workflow '{e.WorkflowName}' at '{e.Step}' ({StableNames.Of(e.State)})",
            AttemptStarted e => $"{e.StepId} [{e.WorkerType}/{e.WorkerName}] attempt {e.Attempt}",
            AttemptRecorded e => $"{e.StepId} [{e.WorkerType}/{e.WorkerName}] attempt {e.Attempt}: {StableNames.Of(e.Outcome)} in {Format.Duration(e.Duration)} -> {e.NextStep}" + (e.Error is null ? string.Empty : "  " + Format.Short(e.Error, 120)),
            RunParked e => $"waits for approval at '{e.StepId}'" + (e.Prompt is null ? string.Empty : ": " + e.Prompt),
            DecisionRecorded e => $"{(e.Approved ? "approved" : "rejected")} '{e.StepId}' by {e.By} -> {e.NextStep}",
            CancelRequested e => $"cancel requested by {e.By}: {e.Reason}",
            RunPaused e => $"paused at '{e.StepId}' by {e.By}",
            RunResumed e => $"unpaused by {e.By}",
            LeaseLost e => $"taken over from {e.PreviousOwner} by {e.Owner}",
            RunEnded e => $"{StableNames.Of(e.State)} at '{e.Step}'" + (e.Error is null ? string.Empty : ": " + e.Error),
            BranchAttemptFinished e => $"{e.Entry.StepId} [{e.Entry.WorkerType}/{e.Entry.WorkerName}] attempt {e.Entry.Attempt}: {StableNames.Of(e.Entry.Outcome)} in {Format.Duration(e.Entry.Duration)}" + (e.Entry.Error is null ? string.Empty : "  " + Format.Short(e.Entry.Error, 120)),
            _ => string.Empty,
        };
        return string.Create(CultureInfo.InvariantCulture, $"{runEvent.Sequence,5}  {runEvent.Timestamp:HH:mm:ss.fff}  {runEvent.Type,-17} {what}");
    }
}
