namespace Keel.Tests.Limits;

public sealed class InMemoryAttemptLimiterTests
{
    [Theory]
    [InlineData(2, null, 2)]
    [InlineData(5, 3, 3)]
    public async Task Acquire_ManyCalls_NeverMoreThanTheTightestLimitAtOnce(int perModel, int? perProcess, int expected)
    {
        var limits = new AttemptLimits { PerProcess = perProcess };
        limits.PerModel["m"] = perModel;
        var limiter = new InMemoryAttemptLimiter(limits);
        var running = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var permit = await limiter.AcquireAsync(new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "M" }, default);
            var now = Interlocked.Increment(ref running);
            lock (limiter)
            {
                most = Math.Max(most, now);
            }

            await Task.Delay(2 + i % 3);
            Interlocked.Decrement(ref running);
        }));

        Assert.Equal(expected, most);
    }

    [Fact]
    public async Task BackOff_HoldsTheModelBackUntilTheTimeGiven()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limiter = new InMemoryAttemptLimiter(new AttemptLimits(), time);
        await limiter.BackOffAsync("m", TimeSpan.FromSeconds(10), default);

        var waiting = limiter.AcquireAsync(new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "m" }, default).AsTask();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await (await waiting).DisposeAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => new AttemptLimits { PerProcess = 0 }.Validate());
    }
}
