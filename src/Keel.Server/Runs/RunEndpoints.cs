using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Keel.Server.Definitions;
using Keel.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Runs;

/// <summary><c>/v1/runs</c>: start (idempotent), list, read, cancel, resume, fork; bulk cancel.</summary>
internal static class RunEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Data bus keys starting with this belong to Keel and its hosts.</summary>
    public const string ReservedPrefix = "keel.";

    /// <summary>Data bus keys starting with this belong to the <c>keel</c> command (the workflow file a run was started from).</summary>
    public const string CliReservedPrefix = "_keel.";

    /// <summary>The request fingerprint kept with a run started with an idempotency key.</summary>
    public const string RequestTag = "keel.request";

    public static void Map(IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/v1/runs").WithTags("runs");
        runs.MapPost("/", StartAsync).WithName("StartRun").WithSummary("Start a run (idempotent with an Idempotency-Key header)")
            .Produces<RunSummary>(StatusCodes.Status201Created).Produces<RunSummary>(StatusCodes.Status200OK)
            .Accepts<StartRunRequest>("application/json").ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapGet("/", ListAsync).WithName("ListRuns").WithSummary("List runs, newest first, by filters and a cursor").Produces<RunPage>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        runs.MapGet("/{id}", GetAsync).WithName("GetRun").WithSummary("A run with its attempts, usage and lineage").Produces<RunDetail>().ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id}/graph", GraphAsync).WithName("GetRunGraph").WithSummary("The graph of the definition the run is pinned to (JSON with Mermaid, or ?format=mermaid)")
            .Produces<Definitions.GraphView>().ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/cancel", CancelAsync).WithName("CancelRun").WithSummary("Cancel a run (recorded with who and why)")
            .Accepts<CancelRequest>("application/json").Produces<ControlResult>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/resume", ResumeAsync).WithName("ResumeRun").WithSummary("Resume an interrupted run")
            .Produces<ControlResult>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/pause", PauseAsync).WithName("PauseRun").WithSummary("Pause a run (its attempt in flight finishes first); resume continues it")
            .Produces<ControlResult>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/fork", ForkAsync).WithName("ForkRun").WithSummary("Start a new run from a recorded attempt, with edited data")
            .Accepts<ForkRequest>("application/json").Produces<RunSummary>(StatusCodes.Status201Created).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/steps/{sequence:int}/rerun", RerunAsync).WithName("RerunStep").WithSummary("Run one recorded attempt again in a new run linked to this one, without the steps after it")
            .Accepts<RerunRequest>("application/json").Produces<RunSummary>(StatusCodes.Status201Created).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/cancel", BulkCancelAsync).WithName("CancelRuns").WithSummary("Cancel every unfinished run matching a filter")
            .Accepts<BulkCancelRequest>("application/json").Produces<BulkCancelResult>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> StartAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.StartRunRequest, required: true, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        errors.Required("workflow", request!.Workflow);
        errors.Length("goal", request.Goal);
        CheckData(errors, "data", request.Data);
        if (request.MaxTokens is <= 0)
        {
            errors.Add("maxTokens", "must be positive");
        }

        if (request.MaxCost is <= 0)
        {
            errors.Add("maxCost", "must be positive");
        }

        string? key = null;
        if (http.Request.Headers.TryGetValue(IdempotencyHeader, out var header))
        {
            key = header.Count == 1 ? header[0] : null;
            if (string.IsNullOrWhiteSpace(key) || key.Length > 200 || key.Any(c => c < 0x21 || c > 0x7e))
            {
                errors.Add(IdempotencyHeader, "must be one value of 1 to 200 printable ASCII characters without spaces");
            }
        }

        WorkflowDefinition? workflow = null;
        if (!errors.Any)
        {
            if (request.DefinitionHash is { } hash)
            {
                var stored = server.Catalog.Find(hash) ?? await FrozenPlanAsync(server, hash, cancellationToken).ConfigureAwait(false);
                if (stored is null)
                {
                    errors.Add("definitionHash", $"no stored definition has hash '{hash}' (store it with POST /v1/definitions)");
                }
                else if (!string.Equals(stored.Name, request.Workflow, StringComparison.Ordinal))
                {
                    errors.Add("definitionHash", $"definition '{hash}' is of workflow '{stored.Name}', not '{request.Workflow}'");
                }
                else
                {
                    workflow = stored.Definition;
                }
            }
            else
            {
                workflow = server.Orchestrator.GetWorkflow(request.Workflow!);
                if (workflow is null)
                {
                    errors.Add("workflow", $"no workflow '{request.Workflow}' is registered (registered: {string.Join(", ", server.Orchestrator.Workflows.Select(w => w.Name).Order(StringComparer.Ordinal))})");
                }
            }
        }

        var goal = string.IsNullOrWhiteSpace(request.Goal) ? workflow?.Goal : request.Goal;
        if (!errors.Any && string.IsNullOrWhiteSpace(goal))
        {
            errors.Add("goal", $"is required: workflow '{request.Workflow}' has no goal of its own");
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        var fingerprint = Fingerprint(request);
        var runId = key is null ? LauncherId() : IdFromKey(key);
        var existing = key is null ? null : await server.Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return Replayed(http, existing, fingerprint);
        }

        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in request.Data ?? [])
        {
            data[pair.Key] = pair.Value;
        }

        if (key is not null)
        {
            data[RequestTag] = fingerprint;
        }

        if (request.DefinitionHash is not null && (server.Orchestrator.GetWorkflow(workflow!.Name) is not { } registered
            || !string.Equals(WorkflowDefinitionJson.Hash(WorkflowDefinitionJson.Serialize(registered)), request.DefinitionHash, StringComparison.OrdinalIgnoreCase)))
        {
            // The version run becomes the workflow's registered one (a worker loop claims runs of registered
            // versions), and stays so after a restart.
            server.Orchestrator.RegisterWorkflow(workflow);
            server.Catalog.MarkRegistered(workflow.Name, request.DefinitionHash);
        }

        var actor = ServerContext.Actor(http, null);
        try
        {
            // Stored pending: a worker loop (this server's, or any keel worker's on the store) drives it.
            await server.Orchestrator.StartAsync(workflow!.Name, goal, new ExecuteOptions { RunId = runId, Data = data, MaxTokens = request.MaxTokens, MaxCost = request.MaxCost }, cancellationToken).ConfigureAwait(false);
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            if (key is not null && await RacedAsync(server, runId, cancellationToken).ConfigureAwait(false) is { } raced)
            {
                return Replayed(http, raced, fingerprint);
            }

            return Problems.Conflict(ex.Message);
        }

        Log.RunStarted(server.Logger, runId, workflow!.Name, actor);
        var run = await server.Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        return Results.Created($"/v1/runs/{runId}", RunSummary.From(run!));
    }

    /// <summary>The most runs started from one run that its detail lists (the newest).</summary>
    private const int MaxChildren = 1000;

    private static string LauncherId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// The definition of the frozen plan of <paramref name="hash"/> when this server has not seen it: a plan made
    /// by <c>keel plan</c> or by another server on the same store is run by its hash as one made here is.
    /// </summary>
    private static async Task<StoredDefinition?> FrozenPlanAsync(ServerContext server, string hash, CancellationToken cancellationToken)
    {
        if (hash.Length != 64 || await server.Planning.PlanStore.GetAsync(hash, cancellationToken).ConfigureAwait(false) is not { } plan
            || !string.Equals(plan.Hash, hash, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return server.Catalog.Add(plan.Definition, plan.DefinitionJson, "json", server.Time.GetUtcNow()).Stored;
    }

    /// <summary>
    /// The run another request with the same idempotency key is starting: that request may hold the run's id
    /// before its creation is committed, so the store is read again until the run appears (or the time to
    /// record a run has passed).
    /// </summary>
    private static async Task<RunRecord?> RacedAsync(ServerContext server, string runId, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetUtcNow() + ServerContext.RecordTimeout;
        while (true)
        {
            if (await server.Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is { } run)
            {
                return run;
            }

            if (TimeProvider.System.GetUtcNow() >= deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The run id of an idempotency key: the same key names the same run in every server on the store.</summary>
    internal static string IdFromKey(string key)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("keel-idempotency-key:" + key)))[..32];

    private static string Fingerprint(StartRunRequest request)
        => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request with { Data = request.Data is null ? null : new SortedDictionary<string, JsonElement>(request.Data, StringComparer.Ordinal).ToDictionary() }, ApiJsonContext.Default.StartRunRequest)))[..32];

    private static IResult Replayed(HttpContext http, RunRecord run, string fingerprint)
    {
        if (!run.InitialData.TryGetValue(RequestTag, out var stored) || stored.ValueKind != JsonValueKind.String || stored.GetString() != fingerprint)
        {
            return Problems.Problem(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "Idempotency key reused", $"The {IdempotencyHeader} was already used for run '{run.RunId}' with a different request; use a new key for a new run.");
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        http.Response.Headers.Location = $"/v1/runs/{run.RunId}";
        return Results.Ok(RunSummary.From(run));
    }

    internal static void CheckData(FieldErrors errors, string field, Dictionary<string, JsonElement>? data)
    {
        if (data is null)
        {
            return;
        }

        if (data.Count > 256)
        {
            errors.Add(field, $"has {data.Count} keys; at most 256 are accepted");
        }

        foreach (var key in data.Keys)
        {
            if (key.Length == 0 || key.Length > FieldErrors.MaxName)
            {
                errors.Add($"{field}.{key}", $"a key must be 1 to {FieldErrors.MaxName} characters");
            }
            else if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal) || key.StartsWith(CliReservedPrefix, StringComparison.Ordinal))
            {
                errors.Add($"{field}.{key}", $"keys starting with '{ReservedPrefix}' or '{CliReservedPrefix}' are reserved");
            }
        }
    }

    private static async Task<IResult> ListAsync(
        ServerContext server,
        string? workflow,
        string? state,
        DateTimeOffset? createdAfter,
        DateTimeOffset? createdBefore,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Length("workflow", workflow, FieldErrors.MaxName);
        errors.Range("limit", limit, 1, 500);
        WorkflowState? parsedState = null;
        if (state is not null)
        {
            if (ParseState(state) is { } s)
            {
                parsedState = s;
            }
            else
            {
                errors.Add("state", $"unknown state '{state}' (expected one of {string.Join(", ", Enum.GetValues<WorkflowState>().Select(StateName))})");
            }
        }

        RunCursor? at = null;
        if (cursor is not null)
        {
            if (RunCursor.TryDecode(cursor, out var decoded))
            {
                at = decoded;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this server returned");
            }
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        var filter = new RunQuery { WorkflowName = workflow, State = parsedState, CreatedAfter = createdAfter, CreatedBefore = createdBefore };
        var (page, next) = await RunListing.PageAsync(server.Store, filter, at, limit ?? 50, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new RunPage(page.Select(RunSummary.From).ToArray(), next?.Encode()));
    }

    internal static string StateName(WorkflowState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    internal static WorkflowState? ParseState(string text)
        => Enum.GetValues<WorkflowState>().Cast<WorkflowState?>().FirstOrDefault(s => string.Equals(StateName(s!.Value), text, StringComparison.OrdinalIgnoreCase));

    private static async Task<IResult> GetAsync(ServerContext server, string id, CancellationToken cancellationToken)
    {
        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        var history = await server.Store.GetHistoryAsync(id, cancellationToken).ConfigureAwait(false);
        var children = (await server.Store.ListRunsAsync(new RunQuery { ParentRunId = id, Limit = MaxChildren }, cancellationToken).ConfigureAwait(false))
            .Select(RunSummary.From)
            .ToArray();
        string? prompt = null;
        DateTimeOffset? deadline = null;
        if (run.State == WorkflowState.WaitingForApproval)
        {
            var step = server.PinnedDefinition(run).Steps.FirstOrDefault(s => s.StepId == run.CurrentStep);
            prompt = step?.Prompt;
            deadline = step is null ? null : Approvals.ApprovalDeadline.Of(step, run.UpdatedAt);
        }

        return Results.Ok(new RunDetail
        {
            Run = RunSummary.From(run),
            Attempts = history.Select(AttemptView.From).ToArray(),
            Prompt = prompt,
            Deadline = deadline,
            Children = children,
            Data = run.Data.Where(p => !p.Key.StartsWith(ReservedPrefix, StringComparison.Ordinal)).ToDictionary(),
        });
    }

    private static async Task<IResult> GraphAsync(ServerContext server, string id, string? format, CancellationToken cancellationToken)
        => await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false) is { } run
            ? Definitions.DefinitionEndpoints.GraphResult(server.PinnedDefinition(run), format)
            : Problems.NotFound($"There is no run '{id}'.");

    private static async Task<IResult> CancelAsync(HttpContext http, ServerContext server, string id, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.CancelRequest, required: false, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        errors.Length("reason", request?.Reason, 2000);
        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        return await CancelOneAsync(http, server, id, request?.Reason, cancellationToken).ConfigureAwait(false) switch
        {
            (null, var error) => error!,
            (var run, _) => Results.Accepted($"/v1/runs/{id}", new ControlResult(RunSummary.From(run!), "cancel recorded")),
        };
    }

    private static async Task<(RunRecord? Run, IResult? Error)> CancelOneAsync(HttpContext http, ServerContext server, string id, string? reason, CancellationToken cancellationToken)
    {
        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return (null, Problems.NotFound($"There is no run '{id}'."));
        }

        if (IsEnded(run.State))
        {
            return (null, Problems.Conflict($"Run '{id}' has already ended ({StateName(run.State)}); there is nothing to cancel."));
        }

        var actor = ServerContext.Actor(http, null);
        try
        {
            await server.Launcher.LaunchAsync(
                token => server.Orchestrator.CancelAsync(id, actor, string.IsNullOrWhiteSpace(reason) ? null : reason, token),
                async token => await server.Store.GetRunAsync(id, token).ConfigureAwait(false) is { } now && IsEnded(now.State),
                ServerContext.RecordTimeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (RunOwnedElsewhereException ex)
        {
            return (null, Problems.Conflict($"Run '{id}' is driven by another process ({ex.Owner}); it cannot be cancelled from here until it stops or its lease expires."));
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            return (null, Problems.Conflict(ex.Message));
        }
        catch (TimeoutException)
        {
            // The cancel is requested; the run honours it when its attempt in flight ends.
        }

        Log.Control(server.Logger, actor, "cancelled", id);
        return (await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false), null);
    }

    internal static bool IsEnded(WorkflowState state) => state is WorkflowState.Completed or WorkflowState.Failed or WorkflowState.Cancelled;

    private static async Task<IResult> ResumeAsync(HttpContext http, ServerContext server, string id, CancellationToken cancellationToken)
    {
        if (await Body.RefuseAnyAsync(http.Request, cancellationToken).ConfigureAwait(false) is { } bad)
        {
            return bad;
        }

        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        if (run.State == WorkflowState.Paused || run.Control == RunControl.Pause)
        {
            // A paused run becomes pending for a worker loop; a pause its owner has not honoured yet is withdrawn.
            var actor = ServerContext.Actor(http, null);
            try
            {
                run = await server.Orchestrator.UnpauseAsync(id, actor, cancellationToken).ConfigureAwait(false);
            }
            catch (KeelException ex) when (ex is not RunStoreException)
            {
                return Problems.Conflict(ex.Message);
            }

            Log.Control(server.Logger, actor, "resumed", id);
            return Results.Accepted($"/v1/runs/{id}", new ControlResult(RunSummary.From(run), "resumed: the run is left to a worker"));
        }

        if (run.State is not (WorkflowState.Running or WorkflowState.Pending))
        {
            return Problems.Conflict($"Run '{id}' is {StateName(run.State)}; only a paused or interrupted run can be resumed.");
        }

        if (run.LeaseOwner is not null && run.LeaseExpires > server.Time.GetUtcNow())
        {
            return Problems.Conflict($"Run '{id}' is being driven (lease held by {run.LeaseOwner} until {run.LeaseExpires:O}); it needs no resume.");
        }

        if (!server.Options.RunWorkerLoop)
        {
            // No worker loop here: an interrupted run is already claimable by any keel worker on the store.
            Log.Control(server.Logger, ServerContext.Actor(http, null), "resumed", id);
            return Results.Accepted($"/v1/runs/{id}", new ControlResult(RunSummary.From(run), "left to a worker: a keel worker on the store takes the interrupted run over"));
        }

        // One resume at a time per run: a second one sent before the first has taken the lease is refused.
        if (!server.Resuming.TryAdd(id, 0))
        {
            return Problems.Conflict($"Run '{id}' is being resumed by an earlier request; it needs no second resume.");
        }

        server.Launcher.Launch(async token =>
        {
            try
            {
                await server.Orchestrator.ResumeAsync(id, null, token).ConfigureAwait(false);
            }
            catch (RunOwnedElsewhereException)
            {
                // This server's worker loop (or another process's) claimed the interrupted run first: it is driven.
            }
            finally
            {
                server.Resuming.TryRemove(id, out _);
            }
        });
        Log.Control(server.Logger, ServerContext.Actor(http, null), "resumed", id);
        return Results.Accepted($"/v1/runs/{id}", new ControlResult(RunSummary.From(run), "resume started"));
    }

    private static async Task<IResult> PauseAsync(HttpContext http, ServerContext server, string id, CancellationToken cancellationToken)
    {
        if (await Body.RefuseAnyAsync(http.Request, cancellationToken).ConfigureAwait(false) is { } bad)
        {
            return bad;
        }

        var actor = ServerContext.Actor(http, null);
        RunRecord run;
        try
        {
            run = await server.Orchestrator.PauseAsync(id, actor, cancellationToken).ConfigureAwait(false);
        }
        catch (RunNotFoundException)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            return Problems.Conflict(ex.Message);
        }

        Log.Control(server.Logger, actor, "paused", id);
        return Results.Accepted($"/v1/runs/{id}", new ControlResult(RunSummary.From(run), run.State == WorkflowState.Paused ? "paused" : "pause requested (the attempt in flight finishes first)"));
    }

    private static async Task<IResult> RerunAsync(HttpContext http, ServerContext server, string id, int sequence, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.RerunRequest, required: false, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        CheckData(errors, "data", request?.Data);
        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        if (sequence < 0 || sequence >= run.HistoryCount)
        {
            errors.Add("sequence", $"run '{id}' has {run.HistoryCount} recorded attempts, numbered from 0; got {sequence}");
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        return await StartForkAsync(http, server, id, sequence, request?.Data, stepOnly: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a fork (or a step-only re-run) pending, for a worker loop to drive, and answers 201 with it.</summary>
    private static async Task<IResult> StartForkAsync(HttpContext http, ServerContext server, string id, int sequence, Dictionary<string, JsonElement>? data, bool stepOnly, CancellationToken cancellationToken)
    {
        var edited = data?.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
        RunHandle handle;
        try
        {
            handle = await server.Orchestrator.StartForkAsync(id, sequence, new ForkOptions { Data = edited, StepOnly = stepOnly, RunId = LauncherId() }, cancellationToken).ConfigureAwait(false);
        }
        catch (KeelException ex) when (ex is not RunStoreException)
        {
            return Problems.Conflict(ex.Message);
        }

        Log.Control(server.Logger, ServerContext.Actor(http, null), stepOnly ? "re-ran one step of" : "forked", id);
        var fork = await server.Store.GetRunAsync(handle.RunId, cancellationToken).ConfigureAwait(false);
        return Results.Created($"/v1/runs/{handle.RunId}", RunSummary.From(fork!));
    }

    private static async Task<IResult> ForkAsync(HttpContext http, ServerContext server, string id, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.ForkRequest, required: true, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        if (request!.Sequence is null)
        {
            errors.Add("sequence", "is required (the attempt to run again, from 0)");
        }

        CheckData(errors, "data", request.Data);
        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        if (request.Sequence is { } s && (s < 0 || s >= run.HistoryCount))
        {
            errors.Add("sequence", $"run '{id}' has {run.HistoryCount} recorded attempts, numbered from 0; got {s}");
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        return await StartForkAsync(http, server, id, request.Sequence!.Value, request.Data, stepOnly: false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> BulkCancelAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.BulkCancelRequest, required: true, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return bad;
        }

        var errors = new FieldErrors();
        errors.Length("workflow", request!.Workflow, FieldErrors.MaxName);
        errors.Length("reason", request.Reason, 2000);
        if (request.State is { } state && IsEnded(state))
        {
            errors.Add("state", $"runs that are {StateName(state)} have ended; nothing to cancel");
        }

        if (request.Workflow is null && request.State is null && request.CreatedAfter is null && request.CreatedBefore is null)
        {
            errors.Add("$", "give at least one filter (workflow, state, createdAfter, createdBefore): cancelling every run needs one said out loud");
        }

        if (errors.Any)
        {
            return Problems.Invalid(errors.ToDictionary());
        }

        var runs = await server.Store.ListRunsAsync(
            new RunQuery { WorkflowName = request.Workflow, State = request.State, CreatedAfter = request.CreatedAfter, CreatedBefore = request.CreatedBefore, Limit = 10_000 },
            cancellationToken).ConfigureAwait(false);
        var cancelled = new List<string>();
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var run in runs.Where(r => !IsEnded(r.State)))
        {
            var (after, error) = await CancelOneAsync(http, server, run.RunId, request.Reason, cancellationToken).ConfigureAwait(false);
            if (after is not null)
            {
                cancelled.Add(run.RunId);
            }
            else
            {
                refused[run.RunId] = error is IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails p } ? p.Detail ?? "refused" : "refused";
            }
        }

        return Results.Ok(new BulkCancelResult(cancelled, refused));
    }
}
