using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel approve RUN STEP</c> and <c>keel reject RUN STEP --comment TEXT</c>: decide the approval step a run waits at, then continue the run (a run keel serve started is left to its worker loop).</summary>
internal static class DecisionCommand
{
    public static Command Approve(CommandIo io) => Create(
        io,
        "approve",
        "Approve the step a run waits at; the run continues along on_success.",
        new Option<string?>("--comment", "-m") { Description = "A comment recorded with the decision.", HelpName = "TEXT" },
        approved: true);

    public static Command Reject(CommandIo io) => Create(
        io,
        "reject",
        "Reject the step a run waits at, saying why; the run continues along on_failure.",
        new Option<string?>("--comment", "-m") { Description = "Why: recorded with the decision (required).", HelpName = "TEXT", Required = true },
        approved: false);

    private static Command Create(CommandIo io, string name, string description, Option<string?> comment, bool approved)
    {
        var run = CommonOptions.Run();
        var step = new Argument<string>("STEP") { Description = "The approval step the run waits at." };
        var by = CommonOptions.By();
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command(name, description)
        {
            run, step, by, comment, store, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var who = CommonOptions.Who(parse.GetValue(by));
            var stepId = parse.GetValue(step)!;
            var text = parse.GetValue(comment);
            if (!approved && string.IsNullOrWhiteSpace(text))
            {
                io.Error.WriteLine("error: a rejection needs a reason: --comment TEXT (it is recorded with the decision).");
                return Task.FromResult(ExitCodes.BadInput);
            }

            return StoredRun.ContinueAsync(
                io,
                parse.GetValue(run)!,
                parse.GetValue(store),
                parse.GetValue(json),
                (orchestrator, runId, token) => approved
                    ? orchestrator.ApproveAsync(runId, stepId, who, text, token)
                    : orchestrator.RejectAsync(runId, stepId, who, text, token),
                cancellationToken,
                decision: true);
        });
        return command;
    }
}
