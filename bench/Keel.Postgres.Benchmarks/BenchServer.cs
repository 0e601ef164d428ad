using Keel.Postgres.Tests.Support;

namespace Keel.Postgres.Benchmarks;

/// <summary>
/// The server the benchmarks use: <c>KEEL_BENCH_POSTGRES</c> (a connection string) when set, else a throwaway
/// cluster started for the run (initdb, loopback, fsync on) and deleted after it.
/// </summary>
internal sealed class BenchServer : IDisposable
{
    private readonly PostgresServer? _owned;

    public BenchServer()
    {
        var given = Environment.GetEnvironmentVariable("KEEL_BENCH_POSTGRES");
        if (string.IsNullOrWhiteSpace(given))
        {
            _owned = new PostgresServer();
            ConnectionString = _owned.ConnectionString;
        }
        else
        {
            ConnectionString = given;
        }
    }

    public string ConnectionString { get; }

    public void Dispose() => _owned?.Dispose();
}
