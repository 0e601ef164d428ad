using System.Globalization;
using Keel.Server.Http;
using Keel.Server.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keel.Server.Events;

/// <summary>
/// Live events as server-sent events: one run's stream (resumable with <c>Last-Event-ID</c>, closed when
/// the run ends), and a stream of run changes across all runs for the dashboard.
/// </summary>
internal static class EventEndpoints
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How many of the newest runs the all-runs stream follows.</summary>
    private const int AllRunsWindow = 500;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/runs/{id}/events", RunEventsAsync).WithTags("events").WithName("WatchRun")
            .WithSummary("A run's events as server-sent events (event: the type, such as attempt_recorded; id: the sequence); Last-Event-ID (or ?after=) resumes; closes after run_ended")
            .Produces<Keel.RunEvent>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapGet("/v1/events", AllEventsAsync).WithTags("events").WithName("WatchRuns")
            .WithSummary("Every run as server-sent events: a run summary for each of the newest 500 when connecting, then each run's new events followed by its summary")
            .Produces<RunChange>(StatusCodes.Status200OK, "text/event-stream");
    }

    private static Task<IResult> RunEventsAsync(HttpContext http, ServerContext server, string id, long? after, CancellationToken cancellationToken)
        => UntilStoppingAsync(http, cancellationToken, token => RunEventsCoreAsync(http, server, id, after, token));

    private static Task<IResult> AllEventsAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
        => UntilStoppingAsync(http, cancellationToken, token => AllEventsCoreAsync(http, server, token));

    /// <summary>
    /// A stream ends when its client goes or when the server stops: it then closes cleanly (the client sees the
    /// stream end and reconnects to whoever serves next) instead of holding the shutdown until it is cut.
    /// </summary>
    private static async Task<IResult> UntilStoppingAsync(HttpContext http, CancellationToken cancellationToken, Func<CancellationToken, Task<IResult>> stream)
    {
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        return await stream(linked.Token).ConfigureAwait(false);
    }

    private static async Task<IResult> RunEventsCoreAsync(HttpContext http, ServerContext server, string id, long? after, CancellationToken cancellationToken)
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

        if (await server.Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }

        Sse.Begin(http.Response);
        await Sse.CommentAsync(http.Response, "keel run events", cancellationToken).ConfigureAwait(false);

        // The core's watch: the run's stored events after the sequence, then each one as it is committed,
        // ending with run_ended. A comment is sent whenever the watch has been quiet for a while.
        var events = server.Store.WatchAsync(id, from, server.Options.PollInterval, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                var moved = events.MoveNextAsync().AsTask();
                while (await Task.WhenAny(moved, Task.Delay(KeepAlive, server.Time, cancellationToken)).ConfigureAwait(false) != moved)
                {
                    await Sse.CommentAsync(http.Response, "keep-alive", cancellationToken).ConfigureAwait(false);
                }

                if (!await moved.ConfigureAwait(false))
                {
                    return Results.Empty;
                }

                var runEvent = events.Current;
                await Sse.WriteEventAsync(http.Response, runEvent, cancellationToken).ConfigureAwait(false);
                if (runEvent is RunEnded)
                {
                    return Results.Empty;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        finally
        {
            try
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The watch was waiting when the client went away.
            }
        }
    }

    private static async Task<IResult> AllEventsCoreAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        Sse.Begin(http.Response);
        await Sse.CommentAsync(http.Response, "keel events", cancellationToken).ConfigureAwait(false);

        // On connecting, the newest runs as they stand; then, for every run that moved, its events after the newest
        // one sent (the core's events, as the run's own stream has them) followed by its summary. Two marks per run:
        // the newest event sent and the sequence its last summary was listed at. The events read from the store may
        // run ahead of the listing they were read for; counting from the newest sent, none is sent twice.
        var seen = new Dictionary<string, (long Events, long Summary)>(StringComparer.Ordinal);
        var first = true;
        var quiet = server.Time.GetUtcNow();
        try
        {
            while (true)
            {
                var next = server.Changes.Next;
                var runs = await server.Store.ListRunsAsync(new RunQuery { Limit = AllRunsWindow }, cancellationToken).ConfigureAwait(false);
                foreach (var run in runs.Reverse())
                {
                    var known = seen.TryGetValue(run.RunId, out var marks);
                    if (known && marks.Summary == run.LastEventSequence)
                    {
                        continue;
                    }

                    var after = known ? marks.Events : first ? run.LastEventSequence : 0;
                    while (after < run.LastEventSequence)
                    {
                        var batch = await server.Store.GetEventsAsync(run.RunId, after, 256, cancellationToken).ConfigureAwait(false);
                        foreach (var runEvent in batch)
                        {
                            await Sse.WriteEventAsync(http.Response, runEvent, cancellationToken, withId: false).ConfigureAwait(false);
                            after = runEvent.Sequence;
                        }

                        if (batch.Count < 256)
                        {
                            break;
                        }
                    }

                    seen[run.RunId] = (after, run.LastEventSequence);
                    await Sse.WriteAsync(http.Response, "run", null, new RunChange { RunId = run.RunId, Sequence = run.LastEventSequence, Run = RunSummary.From(run) }, ApiJsonContext.Default.RunChange, cancellationToken).ConfigureAwait(false);
                    quiet = server.Time.GetUtcNow();
                }

                if (first)
                {
                    // Marks the end of the snapshot: a client that starts a run after this line sees all its events.
                    await Sse.CommentAsync(http.Response, "snapshot sent", cancellationToken).ConfigureAwait(false);
                    first = false;
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
