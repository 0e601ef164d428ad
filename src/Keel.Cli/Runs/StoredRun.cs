namespace Keel.Cli.Runs;

/// <summary>Continues a stored run (resume, approve, reject) with the workers rebuilt from its workflow file.</summary>
internal static class StoredRun
{
    /// <summary>
    /// Finds the run and continues it with <paramref name="action"/>. A decision (<paramref name="decision"/>) on a run
    /// that the keel command did not start from a file (keel serve or another host started it, so its workers are not
    /// known here) is recorded and the rest of the run is left to the worker loop that runs its workflow.
    /// </summary>
    public static async Task<int> ContinueAsync(
        CommandIo io,
        string runArgument,
        string? storeOption,
        bool json,
        Func<Orchestrator, string, CancellationToken, Task<WorkflowResult>> action,
        CancellationToken cancellationToken,
        bool registerCurrentDefinition = false,
        bool decision = false)
    {
        var driver = new RunDriver(io, storeOption, json);
        var session = CliSession.Open(storeOption, driver.Observer, mustExist: true, io.Error);
        try
        {
            if (session is null)
            {
                return ExitCodes.BadInput;
            }

            var run = await session.FindRunAsync(runArgument, io.Error, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                return ExitCodes.BadInput;
            }

            if (RunWorkers.FileOf(run) == "-")
            {
                if (!decision)
                {
                    io.Error.WriteLine("error: " + RunWorkers.OtherHost(run) + " A keel serve or keel worker that has its workflow drives it: a run left by a stopped process is taken over once its lease expires.");
                    return ExitCodes.BadInput;
                }

                // Recorded here, driven there: the decision's commit makes the run pending for the host's worker loop.
                session.Dispose();
                session = CliSession.Open(storeOption, driver.Observer, mustExist: true, io.Error, driveDecisions: false);
                if (session is null)
                {
                    return ExitCodes.BadInput;
                }

                session.Register(RunWorkers.Placeholders(run));
                return await driver.DriveAsync(session, run.RunId, token => action(session.Orchestrator, run.RunId, token), cancellationToken, leftToWorkers: true).ConfigureAwait(false);
            }

            var (workers, children, error) = RunWorkers.WithChildren(run);
            if (error is not null)
            {
                io.Error.WriteLine("error: " + error);
                return ExitCodes.BadInput;
            }

            session.Register(workers);
            foreach (var child in children)
            {
                session.Orchestrator.RegisterWorkflow(child);
            }

            if (registerCurrentDefinition)
            {
                var (definition, problem) = RunWorkers.CurrentDefinition(run);
                if (definition is null)
                {
                    io.Error.WriteLine($"error: run '{run.RunId}' has no current definition to continue on: " + (problem ?? "it was not started from a workflow file."));
                    return ExitCodes.BadInput;
                }

                session.Orchestrator.RegisterWorkflow(definition);
            }

            var open = session;
            return await driver.DriveAsync(open, run.RunId, token => action(open.Orchestrator, run.RunId, token), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            session?.Dispose();
        }
    }
}
