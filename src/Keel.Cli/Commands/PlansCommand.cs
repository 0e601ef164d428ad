using System.CommandLine;
using System.Text.Json.Nodes;
using Keel.Cli.Planning;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel plans</c>: lists the frozen plans of the store, newest first.</summary>
internal static class PlansCommand
{
    public static Command Create(CommandIo io)
    {
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the plans");
        var command = new Command("plans", "List the frozen plans in the store, newest first: hash, workflow, planner, approval and goal.") { store, json };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var path = CliPlanning.StorePath(storeOption);
        if (!PostgresAddress.IsPostgres(path) && !File.Exists(path))
        {
            io.Error.WriteLine($"error: there is no store at {path}. Make a plan with 'keel plan --goal TEXT', or point to a store with --store.");
            return ExitCodes.BadInput;
        }

        IReadOnlyList<Plan> plans;
        IDisposable? owned = null;
        try
        {
            (var store, owned) = CliPlanning.OpenPlans(path);
            plans = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            io.Error.WriteLine("error: " + PostgresAddress.Redact(ex.Message, path));
            return ExitCodes.BadInput;
        }
        finally
        {
            owned?.Dispose();
        }

        path = StorePaths.Display(path);

        if (json)
        {
            var array = new JsonArray();
            foreach (var plan in plans)
            {
                array.Add(JsonNode.Parse(plan.ToJson()));
            }

            io.Out.WriteLine(array.ToJsonString(KeelJson.Options));
            return ExitCodes.Completed;
        }

        if (plans.Count == 0)
        {
            io.Out.WriteLine($"No plans in {path}. Make one with 'keel plan --goal TEXT'.");
            return ExitCodes.Completed;
        }

        var table = new Table("HASH", "WORKFLOW", "PLANNER", "WORKERS", "APPROVED", "CREATED", "GOAL");
        foreach (var p in plans)
        {
            table.Add(
                p.Hash[..12],
                p.Name,
                p.Planning.Planner + (p.Planning.Model is { } model ? $" ({model})" : string.Empty),
                string.Join(" -> ", p.Workers.Select(w => w.Value)),
                p.Approval is { } approval ? approval.ApprovedBy + " " + approval.ApprovedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "-",
                p.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            p.Goal);
        }

        table.Write(io.Out);
        return ExitCodes.Completed;
    }
}
