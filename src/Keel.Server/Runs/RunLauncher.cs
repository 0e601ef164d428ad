using System.Collections.Concurrent;
using Keel.Server.Events;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Runs;

/// <summary>
/// Drives runs in the background of the server process and keeps track of them, so a stopping server
/// interrupts them (they stay resumable) and waits for them. Each operation returns once its effect is
/// recorded (the run created, the decision written), not when the run ends.
/// </summary>
internal sealed class RunLauncher(RunChanges changes, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Starts <paramref name="drive"/> in the background and waits until <paramref name="recorded"/> says
    /// its effect is in the store, the drive ends, or <paramref name="timeout"/> passes. A drive that throws
    /// before its effect is recorded rethrows here.
    /// </summary>
    public async Task LaunchAsync(Func<CancellationToken, Task> drive, Func<CancellationToken, ValueTask<bool>> recorded, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var task = Task.Run(async () =>
        {
            await drive(_stopping.Token).ConfigureAwait(false);
        }, CancellationToken.None);
        Track(task);
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var next = changes.Next;
            if (task.IsCompleted)
            {
                if (task.IsFaulted && !await recorded(cancellationToken).ConfigureAwait(false))
                {
                    await task.ConfigureAwait(false);
                }

                return;
            }

            if (await recorded(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("the run did not record its change in time; it may still do so (see the run's state)");
            }

            await Task.WhenAny(next, task, Task.Delay(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200), time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Starts <paramref name="drive"/> in the background and returns at once.</summary>
    public void Launch(Func<CancellationToken, Task> drive) => Track(Task.Run(() => drive(_stopping.Token), CancellationToken.None));

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(
            t =>
            {
                _running.TryRemove(t, out _);
                if (t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException)
                {
                    Log.RunDriveFailed(logger, t.Exception.InnerException!.Message);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or KeelException)
        {
            // Interrupted runs stay resumable; failures were logged as they happened.
        }

        _stopping.Dispose();
    }
}
