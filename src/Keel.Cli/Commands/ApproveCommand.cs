using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel approve RUN STEP</c>: approves the step a run waits at, then continues the run.</summary>
internal static class ApproveCommand
{
    public static Command Create(CommandIo io)
    {
        var run = CommonOptions.Run();
        var step = new Argument<string>("STEP") { Description = "The approval step the run waits at." };
        var by = CommonOptions.By();
        var comment = new Option<string?>("--comment", "-m") { Description = "A comment recorded with the decision.", HelpName = "TEXT" };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("approve", "Approve the step a run waits at; the run continues along on_success.")
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
                (orchestrator, runId, token) => orchestrator.ApproveAsync(runId, stepId, who, text, token),
                cancellationToken);
        });
        return command;
    }
}
