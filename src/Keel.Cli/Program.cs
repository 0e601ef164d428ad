using System.CommandLine;
using System.CommandLine.Help;
using Keel.Cli.Commands;
using Keel.Cli.Runs;

namespace Keel.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var io = CommandIo.Console;
        var help = new HelpOption();
        help.Action = new ExitCodesHelpAction((HelpAction)help.Action!, io.Out);
        var root = new Command("keel", "Define, validate, draw, run, watch and resume Keel workflows declared in YAML or JSON files.")
        {
            help,
            new VersionOption(),
            ValidateCommand.Create(io),
            GraphCommand.Create(io),
            RunCommand.Create(io),
            RunsCommand.Create(io),
            ShowCommand.Create(io),
            ResumeCommand.Create(io),
            DecisionCommand.Approve(io),
            DecisionCommand.Reject(io),
            CancelCommand.Create(io),
            PruneCommand.Create(io),
            DemoCommand.Create(io),
            ReplayCommand.Create(io),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not ExitCodesHelpAction)
        {
            foreach (var error in parse.Errors)
            {
                io.Error.WriteLine("error: " + error.Message);
            }

            io.Error.WriteLine("See 'keel --help'.");
            return ExitCodes.BadInput;
        }

        if (parse.CommandResult.Command.Name is "run" or "resume" or "approve" or "reject" or "demo" && !Workers.ModelSetup.Configure(io.Error))
        {
            return ExitCodes.BadInput;
        }

        // Ctrl+C is handled by the commands that run workflows (the run stays resumable), not by the parser.
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (RunStoreException ex)
        {
            io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.StoreFailure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            io.Error.WriteLine("Unhandled exception: " + ex);
            return ExitCodes.RunFailed;
        }
        finally
        {
            Workers.CommandWorker.KillRunning();
        }
    }
}
