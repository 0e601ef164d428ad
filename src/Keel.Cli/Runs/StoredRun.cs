namespace Keel.Cli.Runs;

/// <summary>Continues a stored run (resume, approve, reject) with the workers rebuilt from its workflow file.</summary>
internal static class StoredRun
{
    public static async Task<int> ContinueAsync(
        CommandIo io,
        string runArgument,
        string? storeOption,
        bool json,
        Func<Orchestrator, string, CancellationToken, Task<WorkflowResult>> action,
        CancellationToken cancellationToken,
        bool registerCurrentDefinition = false)
    {
        var driver = new RunDriver(io, storeOption, json);
        using var session = CliSession.Open(storeOption, driver.Observer, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var run = await session.FindRunAsync(runArgument, io.Error, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return ExitCodes.BadInput;
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

        return await driver.DriveAsync(session, run.RunId, token => action(session.Orchestrator, run.RunId, token), cancellationToken).ConfigureAwait(false);
    }
}
