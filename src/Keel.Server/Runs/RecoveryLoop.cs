using System.Collections.Concurrent;

namespace Keel.Server.Runs;

/// <summary>
/// The in-process worker loop: at the poll interval, resumes runs left running with a free or expired
/// lease (a crashed server's, a stopped worker's), each by one resume at a time.
/// </summary>
internal sealed class RecoveryLoop(ServerContext server)
{
    private readonly ConcurrentDictionary<string, byte> _resuming = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var runs = await server.Store.ListRunsAsync(new RunQuery { State = WorkflowState.Running, LeaseFreeAt = server.Time.GetUtcNow(), Limit = server.Options.MaxConcurrentRuns }, cancellationToken).ConfigureAwait(false);
                foreach (var run in runs)
                {
                    if (_resuming.TryAdd(run.RunId, 0))
                    {
                        var id = run.RunId;
                        server.Launcher.Launch(async token =>
                        {
                            try
                            {
                                await server.Orchestrator.ResumeAsync(id, null, token).ConfigureAwait(false);
                            }
                            catch (RunOwnedElsewhereException)
                            {
                                // Another process took it first.
                            }
                            finally
                            {
                                _resuming.TryRemove(id, out _);
                            }
                        });
                    }
                }

                await Task.Delay(server.Options.PollInterval * 5, server.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KeelException or InvalidOperationException or IOException)
            {
                Log.BackgroundFailed(server.Logger, ex.Message);
                await Task.Delay(server.Options.PollInterval * 5, server.Time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
