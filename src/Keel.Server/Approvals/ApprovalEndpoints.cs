using Keel.Server.Http;
using Keel.Server.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Approvals;

/// <summary><c>/v1/approvals</c>: the inbox of every run waiting for a person, and the decisions.</summary>
internal static class ApprovalEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var approvals = app.MapGroup("/v1/approvals").WithTags("approvals");
        approvals.MapGet("/", ListAsync).WithName("ListApprovals").WithSummary("Every waiting approval across runs, oldest first").Produces<IReadOnlyList<ApprovalView>>();
        approvals.MapPost("/{runId}/{stepId}/approve", (HttpContext http, ServerContext server, string runId, string stepId, CancellationToken ct) => DecideAsync(http, server, runId, stepId, true, ct))
            .WithName("Approve").WithSummary("Approve: the run continues along the step's on_success")
            .Accepts<DecisionRequest>("application/json").Produces<ControlResult>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        approvals.MapPost("/{runId}/{stepId}/reject", (HttpContext http, ServerContext server, string runId, string stepId, CancellationToken ct) => DecideAsync(http, server, runId, stepId, false, ct))
            .WithName("Reject").WithSummary("Reject: the run continues along the step's on_failure")
            .Accepts<DecisionRequest>("application/json").Produces<ControlResult>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal static async Task<IReadOnlyList<ApprovalView>> WaitingAsync(ServerContext server, CancellationToken cancellationToken)
    {
        var runs = await server.Store.ListRunsAsync(new RunQuery { State = WorkflowState.WaitingForApproval, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
        var now = server.Time.GetUtcNow();
        var views = new List<ApprovalView>(runs.Count);
        foreach (var run in runs)
        {
            var step = server.PinnedDefinition(run).Steps.FirstOrDefault(s => s.StepId == run.CurrentStep);
            if (step is null)
            {
                continue;
            }

            views.Add(new ApprovalView
            {
                RunId = run.RunId,
                Workflow = run.WorkflowName,
                Goal = run.Goal,
                StepId = step.StepId,
                Prompt = step.Prompt ?? step.Description,
                WaitingSince = run.UpdatedAt,
                WaitingSeconds = Math.Max(0, (now - run.UpdatedAt).TotalSeconds),
                Deadline = ApprovalDeadline.Of(step, run.UpdatedAt),
                OnApproved = step.OnSuccess,
                OnRejected = step.OnFailure ?? WorkflowStep.Failed,
            });
        }

        return views.OrderBy(v => v.WaitingSince).ToArray();
    }

    private static async Task<IResult> ListAsync(ServerContext server, CancellationToken cancellationToken)
        => Results.Ok(await WaitingAsync(server, cancellationToken).ConfigureAwait(false));

    private static async Task<IResult> DecideAsync(HttpContext http, ServerContext server, string runId, string stepId, bool approve, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.DecisionRequest, required: false, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        errors.Length("by", request?.By, FieldErrors.MaxName);
        errors.Length("comment", request?.Comment, 4000);
        if (!approve && string.IsNullOrWhiteSpace(request?.Comment))
        {
            // As keel reject: whoever reads the run later learns why from the comment.
            errors.Add("comment", "a rejection needs a reason: give a comment (it is recorded with the decision)");
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        var by = ServerContext.Actor(http, request?.By);
        return await DecideAsync(server, runId, stepId, approve, by, request?.Comment, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<IResult> DecideAsync(ServerContext server, string runId, string stepId, bool approve, string by, string? comment, CancellationToken cancellationToken)
    {
        var run = await server.Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{runId}'.");
        }

        if (run.State != WorkflowState.WaitingForApproval || !string.Equals(run.CurrentStep, stepId, StringComparison.Ordinal))
        {
            return Problems.Conflict($"Run '{runId}' is not waiting for approval at step '{stepId}' (it is {RunEndpoints.StateName(run.State)} at '{run.CurrentStep}').");
        }

        var before = run.HistoryCount;
        try
        {
            await server.Launcher.LaunchAsync(
                token => approve
                    ? server.Orchestrator.ApproveAsync(runId, stepId, by, comment, token)
                    : server.Orchestrator.RejectAsync(runId, stepId, by, comment, token),
                async token => await server.Store.GetRunAsync(runId, token).ConfigureAwait(false) is { } now && now.HistoryCount > before,
                ServerContext.RecordTimeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException)
        {
            return Problems.Conflict($"Run '{runId}' is being decided by someone else at this moment.");
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            return Problems.Conflict(ex.Message);
        }

        Log.Control(server.Logger, by, approve ? "approved" : "rejected", runId);
        var after = await server.Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        return Results.Accepted($"/v1/runs/{runId}", new ControlResult(RunSummary.From(after!), approve ? "approved" : "rejected"));
    }
}
