namespace Keel.Server.Runs;

/// <summary>Pages through the store's newest-first list of runs with a cursor, whatever ties the timestamps have.</summary>
internal static class RunListing
{
    public static async Task<(IReadOnlyList<RunRecord> Page, RunCursor? Next)> PageAsync(IRunStore store, RunQuery filter, RunCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        var fetch = Math.Max(limit * 2, 32);
        while (true)
        {
            var query = filter with
            {
                Limit = fetch,
                CreatedBefore = cursor is { } c ? Min(filter.CreatedBefore, new DateTimeOffset(c.CreatedTicks + 1, TimeSpan.Zero)) : filter.CreatedBefore,
            };
            var runs = await store.ListRunsAsync(query, cancellationToken).ConfigureAwait(false);
            var exhausted = runs.Count < fetch;
            var ordered = runs
                .Where(r => cursor is not { } at || at.IsBefore(r))
                .OrderByDescending(r => r.CreatedAt.UtcTicks)
                .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
                .ToList();
            if (!exhausted && runs.Count > 0)
            {
                // Runs created at the oldest instant fetched may continue beyond the fetch: keep only the complete part.
                var oldest = runs.Min(r => r.CreatedAt.UtcTicks);
                ordered = ordered.Where(r => r.CreatedAt.UtcTicks > oldest).ToList();
            }

            if (ordered.Count > limit || exhausted)
            {
                var page = ordered.Take(limit).ToArray();
                RunCursor? next = ordered.Count > limit ? new RunCursor(page[^1].CreatedAt.UtcTicks, page[^1].RunId) : null;
                return (page, next);
            }

            fetch = checked(fetch * 2);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;
}
