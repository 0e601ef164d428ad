using System.Globalization;
using Keel.Server.Http;
using Keel.Server.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Events;

/// <summary>
/// Live events as server-sent events: one run's stream (resumable with <c>Last-Event-ID</c>, closed when
/// the run ends), and a stream of run changes across all runs for the dashboard.
/// </summary>
internal static class EventEndpoints
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/runs/{id}/events", RunEventsAsync).WithTags("events").WithName("WatchRun")
            .WithSummary("A run's events as server-sent events; id is the sequence; Last-Event-ID (or ?after=) resumes; closes when the run ends")
            .Produces<RunEvent>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapGet("/v1/events", AllEventsAsync).WithTags("events").WithName("WatchRuns")
            .WithSummary("Every run as server-sent events: the newest 500 when connecting, then a run event each time a run is created or moves")
            .Produces<RunEvent>(StatusCodes.Status200OK, "text/event-stream");
    }

    private static async Task<IResult> RunEventsAsync(HttpContext http, ServerContext server, string id, long? after, CancellationToken cancellationToken)
    {
        long from = 0;
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            if (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            {
                return Problems.Invalid("Last-Event-ID", $"must be a sequence this stream sent (a whole number), got '{lastEventId}'");
            }
        }
        else if (after is { } a)
        {
            if (a < 0)
            {
                return Problems.Invalid("after", "must be 0 or more");
            }

            from = a;
        }

        var run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        Sse.Begin(http.Response);
        await Sse.CommentAsync(http.Response, "keel run events", cancellationToken).ConfigureAwait(false);
        var sent = from;
        (WorkflowState, string)? lastState = null;
        var quiet = server.Time.GetUtcNow();
        try
        {
            while (true)
            {
                var next = server.Changes.Next;
                run = await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
                if (run is null)
                {
                    return Results.Empty;
                }

                if (run.HistoryCount > sent)
                {
                    var history = await server.Store.GetHistoryAsync(id, cancellationToken).ConfigureAwait(false);
                    foreach (var entry in history.Where(e => e.Sequence + 1 > sent))
                    {
                        var sequence = entry.Sequence + 1L;
                        await Sse.WriteAsync(http.Response, "attempt", sequence, new RunEvent
                        {
                            Type = "attempt",
                            RunId = id,
                            Sequence = sequence,
                            State = run.State,
                            CurrentStep = run.CurrentStep,
                            Attempt = AttemptView.From(entry),
                        }, cancellationToken).ConfigureAwait(false);
                        sent = sequence;
                    }
                }

                if (run.HistoryCount >= sent && lastState != (run.State, run.CurrentStep))
                {
                    lastState = (run.State, run.CurrentStep);
                    await Sse.WriteAsync(http.Response, "state", null, new RunEvent { Type = "state", RunId = id, State = run.State, CurrentStep = run.CurrentStep, Run = RunSummary.From(run) }, cancellationToken).ConfigureAwait(false);
                }

                if (RunEndpoints.IsEnded(run.State) && run.HistoryCount <= sent)
                {
                    await Sse.WriteAsync(http.Response, "end", null, new RunEvent { Type = "end", RunId = id, State = run.State, CurrentStep = run.CurrentStep, Run = RunSummary.From(run) }, cancellationToken).ConfigureAwait(false);
                    return Results.Empty;
                }

                if (!await server.Changes.WaitAsync(next, server.Options.PollInterval, server.Time, cancellationToken).ConfigureAwait(false)
                    && server.Time.GetUtcNow() - quiet >= KeepAlive)
                {
                    quiet = server.Time.GetUtcNow();
                    await Sse.CommentAsync(http.Response, "keep-alive", cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }

    private static async Task<IResult> AllEventsAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        Sse.Begin(http.Response);
        await Sse.CommentAsync(http.Response, "keel events", cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<string, (WorkflowState, int, DateTimeOffset)>(StringComparer.Ordinal);
        var quiet = server.Time.GetUtcNow();
        try
        {
            while (true)
            {
                var next = server.Changes.Next;
                var runs = await server.Store.ListRunsAsync(new RunQuery { Limit = 500 }, cancellationToken).ConfigureAwait(false);
                foreach (var run in runs.Reverse())
                {
                    var mark = (run.State, run.HistoryCount, run.UpdatedAt);
                    if (seen.TryGetValue(run.RunId, out var before) && before == mark)
                    {
                        continue;
                    }

                    seen[run.RunId] = mark;
                    await Sse.WriteAsync(http.Response, "run", null, new RunEvent { Type = "run", RunId = run.RunId, State = run.State, CurrentStep = run.CurrentStep, Run = RunSummary.From(run) }, cancellationToken).ConfigureAwait(false);
                }

                if (!await server.Changes.WaitAsync(next, server.Options.PollInterval, server.Time, cancellationToken).ConfigureAwait(false)
                    && server.Time.GetUtcNow() - quiet >= KeepAlive)
                {
                    quiet = server.Time.GetUtcNow();
                    await Sse.CommentAsync(http.Response, "keep-alive", cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }
}
