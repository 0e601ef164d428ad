namespace Keel.Postgres;

/// <summary>This machine's clock corrected by the offset to the PostgreSQL server's, measured when the store starts.</summary>
internal sealed class ServerClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + Offset;
}
