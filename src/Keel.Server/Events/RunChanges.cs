namespace Keel.Server.Events;

/// <summary>
/// A pulse raised after every run created or checkpoint committed through this process's store, so
/// streams wake at once; changes made by other processes are seen by polling at the server's interval.
/// </summary>
internal sealed class RunChanges
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next change.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Raise()
    {
        var current = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        current.TrySetResult();
    }

    /// <summary>Waits for the next change, at most <paramref name="timeout"/>; false when the time ran out.</summary>
    public async Task<bool> WaitAsync(Task next, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, time, delay.Token);
        var first = await Task.WhenAny(next, timer).ConfigureAwait(false);
        await delay.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == next;
    }
}
