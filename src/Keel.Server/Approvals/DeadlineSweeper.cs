namespace Keel.Server.Approvals;

/// <summary>Looks for approvals whose deadline passed, at the server's poll interval, and records the timeout decision.</summary>
internal sealed class DeadlineSweeper(ServerContext server)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(server.Options.PollInterval, server.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KeelException or InvalidOperationException or IOException)
            {
                Log.BackgroundFailed(server.Logger, ex.Message);
            }
        }
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
