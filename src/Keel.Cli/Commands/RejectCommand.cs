using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel reject RUN STEP --comment TEXT</c>: rejects the step a run waits at; the run follows on_failure.</summary>
internal static class RejectCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var step = new Argument<string>("STEP") { Description = "The approval step the run waits at." };
        var by = CommonOptions.By();
        var comment = new Option<string>("--comment", "-m") { Description = "Why: recorded with the decision (required).", HelpName = "TEXT", Required = true };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("reject", "Reject the step a run waits at, saying why; the run continues along on_failure.")
        {
            run, step, by, comment, store, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var who = CommonOptions.Who(parse.GetValue(by));
            var stepId = parse.GetValue(step)!;
            var text = parse.GetValue(comment);
            return StoredRun.ContinueAsync(
                io,
                parse.GetValue(run)!,
                parse.GetValue(store),
                parse.GetValue(json),
                (orchestrator, runId, token) => orchestrator.RejectAsync(runId, stepId, who, text, token),
                cancellationToken);
        });
        return command;
    }
}
