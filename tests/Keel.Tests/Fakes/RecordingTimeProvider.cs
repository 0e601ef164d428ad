using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Fakes;

/// <summary>
/// A fake clock that also tells a test which timers the code under test created, so a test can wait until
/// a retry delay or a timeout is armed before it advances the clock (no wall-clock waiting).
/// </summary>
public sealed class RecordingTimeProvider : FakeTimeProvider
{
    public static readonly DateTimeOffset Epoch = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
    private readonly SemaphoreSlim _created = new(0);

    public RecordingTimeProvider()
        : base(Epoch)
    {
    }

    /// <summary>Due times of every one-shot timer created so far (periodic timers such as lease heartbeats are left out).</summary>
    public IReadOnlyList<TimeSpan> OneShotDueTimes => _dueTimes.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero)
        {
            _dueTimes.Enqueue(dueTime);
            _created.Release();
        }

        return timer;
    }

    /// <summary>Waits until a one-shot timer with <paramref name="dueTime"/> has been created (a hang guard of 10 s, never a measured wait).</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, int occurrence = 1)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_dueTimes.Count(d => d == dueTime) < occurrence)
        {
            await _created.WaitAsync(guard.Token);
        }
    }
}
