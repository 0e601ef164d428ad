using System.CommandLine;
using Keel.Cli.Planning;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel plan --goal TEXT [--planner catalog|llm] [-o FILE]</c>: plans a goal, freezes the plan and writes it as a workflow file.</summary>
internal static class PlanCommand
{
    public static Command Create(CommandIo io)
    {
        var goal = new Option<string>("--goal", "-g") { Description = "What the plan is for, in plain words (data: it cannot change the rules or the allowed workers).", HelpName = "TEXT", Required = true };
        var planner = Planner();
        var output = new Option<string?>("--output", "-o") { Description = "Write the plan as a workflow file (YAML for .yaml/.yml, else JSON) that 'keel run FILE' runs.", HelpName = "FILE" };
        var fresh = new Option<bool>("--new") { Description = "Plan again even when a stored plan exists for this goal and planner." };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the plan");
        var command = new Command("plan", "Plan a goal: choose the workers and steps, validate them, freeze the plan by hash in the store, and print its graph and validation report.")
        {
            goal, planner, output, fresh, store, json,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            io, parse.GetValue(goal)!, parse.GetValue(planner), parse.GetValue(output), parse.GetValue(fresh), parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    public static Option<string?> Planner() => new("--planner")
    {
        Description = "catalog (deterministic: picks a workflow template by the goal's words) or llm (the configured model proposes, Keel validates). Default: catalog.",
        HelpName = "catalog|llm",
    };

    private static async Task<int> ExecuteAsync(CommandIo io, string goal, string? plannerName, string? output, bool fresh, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(io, goal, plannerName, fresh, storeOption, cancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            return ExitCodes.BadInput;
        }

        if (output is not null)
        {
            PlanFile.Write(plan, output);
        }

        if (json)
        {
            io.Out.WriteLine(JsonText.Write(KeelJson.Parse(plan.ToJson()), KeelJson.IndentedWriterOptions));
            return ExitCodes.Completed;
        }

        CliPlanning.Print(plan, io.Out);
        io.Out.WriteLine(output is null
            ? $"Frozen in {StorePaths.Display(CliPlanning.StorePath(storeOption))}. Write it as a file with -o plan.yaml; run it with: keel run --goal {ShellQuote(goal)}{(plannerName is null or CliPlanning.Catalog ? string.Empty : " --planner " + plannerName)}{StorePaths.Suffix(storeOption)}"
            : $"Wrote {output}; run it with 'keel run {output}'.");
        return ExitCodes.Completed;
    }

    /// <summary>A goal as one word of a POSIX shell: in single quotes, a quote in it closed, escaped and reopened.</summary>
    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Plans (or finds the stored plan of) <paramref name="goal"/> and freezes it; null with the reason written when no valid plan comes out.</summary>
    public static async Task<Plan?> PlanAsync(CommandIo io, string goal, string? plannerName, bool fresh, string? storeOption, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(goal))
        {
            io.Error.WriteLine("error: --goal is empty: say what the plan is for.");
            return null;
        }

        var (planner, error) = CliPlanning.Planner(plannerName);
        if (planner is null)
        {
            io.Error.WriteLine("error: " + error);
            return null;
        }

        var storePath = CliPlanning.StorePath(storeOption);
        IDisposable? owned = null;
        try
        {
            (var plans, owned) = CliPlanning.OpenPlans(storePath);
            var service = CliPlanning.Service(new Orchestrator(), planner, plans);
            var plan = await service.CreateAsync(goal, new PlanOptions { NewPlan = fresh }, cancellationToken).ConfigureAwait(false);
            return await service.FreezeAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (PlanRejectedException rejected)
        {
            CliPlanning.PrintRejection(rejected, io.Error);
            return null;
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            io.Error.WriteLine("error: " + PostgresAddress.Redact(ex.Message, storePath));
            return null;
        }
        finally
        {
            owned?.Dispose();
        }
    }
}
