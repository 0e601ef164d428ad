using Microsoft.Extensions.Hosting;

namespace Keel;

/// <summary>
/// Resumes, when the host starts, every stored run that was running when its process stopped
/// (<c>services.AddKeel(k => k.UseSqlite("keel.db").RecoverOnStartup())</c>). Recovery runs in the
/// background, so start-up is not held up by long runs; stopping the host interrupts them, and they
/// stay resumable.
/// </summary>
internal sealed class KeelRecoveryService(Orchestrator orchestrator) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await orchestrator.RecoverAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the interrupted runs stay resumable.
        }
    }
}
