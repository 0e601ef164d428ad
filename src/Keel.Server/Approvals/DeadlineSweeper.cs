namespace Keel.Server.Approvals;

/// <summary>
/// Looks for approvals whose deadline passed, at the server's poll interval, and records the timeout decision.
/// While the store fails, the wait between sweeps doubles per failure in a row, up to <see cref="MaxRetryDelay"/>,
/// so an outage is logged a few times rather than in a tight loop; the first sweep that works resets it.
/// </summary>
internal sealed class DeadlineSweeper(ServerContext server)
{
    /// <summary>The most the sweeper waits between sweeps while the store fails.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KeelException or InvalidOperationException or IOException)
            {
                failures++;
                Log.BackgroundFailed(server.Logger, ex.Message);
            }

            try
            {
                await Task.Delay(RetryDelay(server.Options.PollInterval, failures), server.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The wait before the next sweep after <paramref name="failures"/> failed sweeps in a row: the poll interval, doubled per failure after the first, up to <see cref="MaxRetryDelay"/>.</summary>
    public static TimeSpan RetryDelay(TimeSpan pollInterval, int failures)
    {
        var delay = pollInterval;
        for (var i = 1; i < failures && delay < MaxRetryDelay; i++)
        {
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }

        return delay;
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = server.Time.GetUtcNow();
        foreach (var approval in await ApprovalEndpoints.WaitingAsync(server, cancellationToken).ConfigureAwait(false))
        {
            if (approval.Deadline is { } deadline && deadline <= now)
            {
                Log.DeadlinePassed(server.Logger, approval.RunId, approval.StepId);
                var comment = $"no decision by the deadline {deadline:O}";
                await ApprovalEndpoints.DecideAsync(server, approval.RunId, approval.StepId, approve: false, ApprovalDeadline.Decider, comment, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
