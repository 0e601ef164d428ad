using System.CommandLine;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Commands;

/// <summary>
/// <c>keel worker FILE... --store PATH</c>: a worker loop for the workflows of the given files. It claims
/// their pending runs and the runs left by stopped processes, up to its capacity, and keeps claiming until
/// Ctrl+C (the runs it drives then stay resumable).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CommandIo io)
    {
        var files = new Argument<string[]>("FILE") { Description = "The workflow files whose runs this worker drives.", Arity = ArgumentArity.OneOrMore };
        var capacity = new Option<int>("--capacity") { Description = "Most runs driven at once. Default 4.", DefaultValueFactory = _ => 4, HelpName = "N" };
        var store = CommonOptions.Store();
        var command = new Command("worker", "Drive runs from the store as they come: pending runs and runs whose process stopped, until Ctrl+C.") { files, capacity, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(files)!, parse.GetValue(capacity), parse.GetValue(store), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string[] paths, int capacity, string? storeOption, CancellationToken cancellationToken)
    {
        if (capacity < 1)
        {
            io.Error.WriteLine("error: --capacity must be at least 1.");
            return ExitCodes.BadInput;
        }

        if (WorkflowFiles.LoadWithChildren(paths, io.Error) is not var (files, workers))
        {
            return ExitCodes.BadInput;
        }

        var definitions = files.Select(f => f.Definition).ToList();
        var progress = new ConsoleProgress(io.Out, live: false, runIds: true);
        using var session = CliSession.Open(storeOption, progress, mustExist: false, io.Error, maxConcurrentRuns: capacity, logs: new StderrLogs(io.Error));
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        session.Register(workers);
        foreach (var definition in definitions)
        {
            session.Orchestrator.RegisterWorkflow(definition);
        }

        io.Out.WriteLine($"Worker on {session.StorePath}: driving runs of {string.Join(", ", definitions.Select(d => $"'{d.Name}'"))}, at most {capacity} at once. Ctrl+C stops.");
        io.Out.Flush();
        using var interrupt = new Interrupt(cancellationToken);
        await session.Orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { PollInterval = TimeSpan.FromMilliseconds(500) }, interrupt.Token).ConfigureAwait(false);
        io.Out.WriteLine("Worker stopped; the runs it drove stay resumable.");
        return interrupt.Requested ? ExitCodes.Interrupted : ExitCodes.Completed;
    }
}
