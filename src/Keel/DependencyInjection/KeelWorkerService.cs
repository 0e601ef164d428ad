using Microsoft.Extensions.Hosting;

namespace Keel;

/// <summary>
/// The worker loop as a hosted service (<c>services.AddKeel(k => k.UseSqlite("keel.db").AddWorkerLoop())</c>):
/// from start-up until the host stops, it claims runs nobody drives (pending ones, and those left by a
/// process whose lease expired or that is gone) up to the orchestrator's free capacity, and drives them.
/// Stopping the host interrupts the runs it drives; they stay resumable.
/// </summary>
internal sealed class KeelWorkerService(Orchestrator orchestrator, WorkerLoopOptions options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => orchestrator.RunWorkerLoopAsync(options, stoppingToken);
}
