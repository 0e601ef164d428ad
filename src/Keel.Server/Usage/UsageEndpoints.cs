using Keel.Server.Http;
using Keel.Server.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Usage;

/// <summary>One group of usage: its key (a run id, step id, worker name or model) and the sums.</summary>
public sealed record UsageRow(string Key, int Runs, int Attempts, long InputTokens, long OutputTokens, decimal? Cost);

/// <summary>Usage over the runs matching the filter, grouped as asked.</summary>
public sealed record UsageReport(string GroupBy, int RunsScanned, bool Truncated, IReadOnlyList<UsageRow> Rows);

/// <summary><c>/v1/usage</c>: tokens and cost grouped by run, step, worker or model.</summary>
internal static class UsageEndpoints
{
    private const int MaxRuns = 2000;

    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/v1/usage", UsageAsync).WithTags("usage").WithName("GetUsage")
            .WithSummary("Tokens and cost, grouped by run, step, worker or model, over runs matching the filter")
            .Produces<UsageReport>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> UsageAsync(ServerContext server, string? groupBy, string? workflow, string? state, DateTimeOffset? createdAfter, DateTimeOffset? createdBefore, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var by = groupBy ?? "run";
        if (by is not ("run" or "step" or "worker" or "model"))
        {
            errors.Add("groupBy", $"must be run, step, worker or model, got '{groupBy}'");
        }

        WorkflowState? parsed = null;
        if (state is not null && (parsed = RunEndpoints.ParseState(state)) is null)
        {
            errors.Add("state", $"unknown state '{state}'");
        }

        errors.Length("workflow", workflow, FieldErrors.MaxName);
        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        var runs = await server.Store.ListRunsAsync(new RunQuery { WorkflowName = workflow, State = parsed, CreatedAfter = createdAfter, CreatedBefore = createdBefore, Limit = MaxRuns + 1 }, cancellationToken).ConfigureAwait(false);
        var truncated = runs.Count > MaxRuns;
        var groups = new Dictionary<string, (HashSet<string> Runs, int Attempts, long In, long Out, decimal? Cost)>(StringComparer.Ordinal);
        foreach (var run in runs.Take(MaxRuns))
        {
            var history = await server.Store.GetHistoryAsync(run.RunId, cancellationToken).ConfigureAwait(false);
            foreach (var entry in history.Where(e => e.Outcome is not (AttemptOutcome.Approved or AttemptOutcome.Rejected or AttemptOutcome.Cancelled)))
            {
                var key = by switch
                {
                    "run" => run.RunId,
                    "step" => $"{run.WorkflowName}/{entry.StepId}",
                    "worker" => entry.WorkerName,
                    _ => entry.Usage?.Model ?? "(none)",
                };
                (HashSet<string> Runs, int Attempts, long In, long Out, decimal? Cost) g = groups.TryGetValue(key, out var found) ? found : (new HashSet<string>(StringComparer.Ordinal), 0, 0L, 0L, null);
                g.Runs.Add(run.RunId);
                g.Attempts++;
                g.In += entry.Usage?.InputTokens ?? 0;
                g.Out += entry.Usage?.OutputTokens ?? 0;
                if (entry.Usage?.Cost is { } cost)
                {
                    g.Cost = (g.Cost ?? 0) + cost;
                }

                groups[key] = g;
            }
        }

        var rows = groups
            .Select(p => new UsageRow(p.Key, p.Value.Runs.Count, p.Value.Attempts, p.Value.In, p.Value.Out, p.Value.Cost))
            .OrderByDescending(r => r.Cost ?? 0).ThenByDescending(r => r.InputTokens + r.OutputTokens).ThenBy(r => r.Key, StringComparer.Ordinal)
            .ToArray();
        return Results.Ok(new UsageReport(by, Math.Min(runs.Count, MaxRuns), truncated, rows));
    }
}
