using Keel.Cli.Commands;
using Keel.Cli.Runs;

namespace Keel.Cli.Planning;

/// <summary><c>keel run --goal TEXT</c> without a file: plans the goal, shows the plan, asks, and runs the frozen plan.</summary>
internal static class PlanRun
{
    public static async Task<int> ExecuteAsync(CommandIo io, string? goal, string? plannerName, bool yes, string[] data, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(goal))
        {
            io.Error.WriteLine("error: give a workflow FILE to run, or --goal TEXT to plan one and run it.");
            return ExitCodes.BadInput;
        }

        var values = RunCommand.ParseData(data, io.Error);
        if (values is null)
        {
            return ExitCodes.BadInput;
        }

        var plan = await PlanCommand.PlanAsync(io, goal, plannerName, fresh: false, storeOption, cancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            return ExitCodes.BadInput;
        }

        var show = json ? io.Error : io.Out;
        CliPlanning.Print(plan, show);
        if (!yes)
        {
            show.Write("Run this plan? [y/N] ");
            show.Flush();
            var answer = Console.In.ReadLine()?.Trim();
            if (answer is null)
            {
                show.WriteLine();
            }

            if (answer is not ("y" or "Y" or "yes" or "Yes" or "YES"))
            {
                io.Error.WriteLine($"Not confirmed: nothing ran. The plan {plan.Hash[..12]} stays frozen; pass --yes to run it without asking.");
                return ExitCodes.BadInput;
            }
        }

        values[RunTags.File] = RunTags.PlanPrefix + plan.Hash;
        var driver = new RunDriver(io, storeOption, json);
        using var session = CliSession.Open(storeOption, driver.Observer, mustExist: false, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        session.Register(CliPlanning.BuiltinWorkers(plan));
        var service = CliPlanning.Service(session.Orchestrator, new CatalogPlanner(), CliPlanning.PlansOf(session.Store, CliPlanning.StorePath(storeOption)));
        var runId = Guid.NewGuid().ToString("N");
        if (!json)
        {
            io.Out.WriteLine($"Running plan {plan.Hash[..12]} '{plan.Name}' (run {runId}) on {session.StorePath}");
        }

        return await driver.DriveAsync(
            session,
            runId,
            token => service.RunAsync(plan, new RunPlanOptions { Execute = new ExecuteOptions { RunId = runId, Data = values } }, token),
            cancellationToken).ConfigureAwait(false);
    }
}
