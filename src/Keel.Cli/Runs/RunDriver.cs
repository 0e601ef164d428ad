using System.Diagnostics;

namespace Keel.Cli.Runs;

/// <summary>
/// Drives a run for a command (start, resume, approve, reject): live progress, Ctrl+C as a clean
/// interruption that leaves the run resumable, the summary or the JSON result, and the exit code.
/// </summary>
internal sealed class RunDriver
{
    private readonly CommandIo _io;
    private readonly string? _storeOption;
    private readonly bool _json;

    public RunDriver(CommandIo io, string? storeOption, bool json)
    {
        _io = io;
        _storeOption = storeOption;
        _json = json;
        Progress = new ConsoleProgress(io.Out, live: !json && !Console.IsOutputRedirected);
    }

    /// <summary>Null with --json: the result is the only output.</summary>
    public IRunObserver? Observer => _json ? null : Progress;

    public ConsoleProgress Progress { get; }

    public async Task<int> DriveAsync(
        CliSession session,
        string runId,
        Func<CancellationToken, Task<WorkflowResult>> action,
        CancellationToken cancellationToken,
        Func<WorkflowResult, Task>? after = null,
        bool leftToWorkers = false)
    {
        using var interrupt = new Interrupt(cancellationToken);
        var clock = Stopwatch.StartNew();
        WorkflowResult result;
        try
        {
            using (Progress)
            {
                result = await action(interrupt.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            var run = await session.Store.GetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
            var at = run is null ? string.Empty : $" at step '{run.CurrentStep}' (attempt {run.Attempt})";
            _io.Error.WriteLine($"Interrupted: run {runId} stopped{at}; its attempt in flight was not recorded.");
            _io.Error.WriteLine($"Resume it with: keel resume {runId}{StorePaths.Suffix(_storeOption)}");
            return ExitCodes.Interrupted;
        }
        catch (RunStoreException ex)
        {
            _io.Error.WriteLine("error: " + ex.Message);
            if (await StoredAsync(session, runId).ConfigureAwait(false) is { } hint)
            {
                _io.Error.WriteLine(hint);
            }

            return ExitCodes.StoreFailure;
        }
        catch (KeelException ex)
        {
            _io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }

        if (leftToWorkers && result.State is WorkflowState.Pending or WorkflowState.Running)
        {
            ResultWriter.LeftToWorkers(_io.Out, result, session.StorePath, StorePaths.Suffix(_storeOption), _json);
            return ExitCodes.Completed;
        }

        if (_json)
        {
            ResultWriter.Json(_io.Out, result, session.StorePath);
        }
        else
        {
            ResultWriter.Summary(_io.Out, result, StorePaths.Suffix(_storeOption), clock.Elapsed);
        }

        if (after is not null)
        {
            try
            {
                await after(result).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KeelException or IOException or UnauthorizedAccessException)
            {
                _io.Error.WriteLine("error: " + ex.Message);
                return ExitCodes.RunFailed;
            }
        }

        return ExitCodes.For(result.State);
    }

    /// <summary>What is left of the run after a store failure, and how to go on; null when the store cannot say.</summary>
    private async Task<string?> StoredAsync(CliSession session, string runId)
    {
        RunRecord? run;
        try
        {
            run = await session.Store.GetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (KeelException)
        {
            return null;
        }

        var store = StorePaths.Suffix(_storeOption);
        return run switch
        {
            null => $"The run {runId} was not stored: nothing of it was recorded.",
            { State: WorkflowState.WaitingForApproval } => $"The run still waits for approval at step '{run.CurrentStep}' (the decision was not recorded); once the store is usable again, decide with: keel approve {runId} {run.CurrentStep}{store}",
            { State: WorkflowState.Running or WorkflowState.Pending } => $"The run stopped at its last committed attempt; once the store is usable again, continue it with: keel resume {runId}{store}",
            _ => $"The run is {StableNames.Of(run.State)}: keel show {runId}{store}",
        };
    }
}
