using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// A quick check between full benchmark runs: rounds of 200 runs of the peer workload one at a time,
/// interleaved with rounds of the floor (three raw one-row commits, 200 times) on the same disk at the same
/// mode, and the ratio of the means (WAL checkpoints included, as in the floor). Not a substitute for the BenchmarkDotNet figures quoted in the docs.
/// </summary>
internal static class QuickCompare
{
    private const int PerRound = 200;

    public static void Run(SqliteSynchronous synchronous, int rounds)
    {
        var directory = Path.Combine(Path.GetTempPath(), "keel-compare-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var floorTimes = new List<double>();
            var runTimes = new List<double>();
            using var floor = new RawCommitFloor(Path.Combine(directory, "floor.db"), synchronous == SqliteSynchronous.Normal);
            var (store, orchestrator) = PeerWorkload.Open(Path.Combine(directory, "keel.db"), synchronous);
            using (store)
            {
                for (var round = -2; round < rounds; round++)
                {
                    var watch = Stopwatch.StartNew();
                    for (var i = 0; i < PerRound; i++)
                    {
                        for (var step = 0; step < PeerWorkload.Steps; step++)
                        {
                            floor.Commit(PeerWorkload.Expected);
                        }
                    }

                    var floorTime = watch.Elapsed.TotalMicroseconds / PerRound;
                    watch.Restart();
                    for (var i = 0; i < PerRound; i++)
                    {
                        PeerWorkload.Check(orchestrator.ExecuteWorkflowAsync(PeerWorkload.WorkflowName, PeerWorkload.Goal).GetAwaiter().GetResult());
                    }

                    var runTime = watch.Elapsed.TotalMicroseconds / PerRound;
                    if (round >= 0)
                    {
                        floorTimes.Add(floorTime);
                        runTimes.Add(runTime);
                    }
                }
            }

            var f = floorTimes.Average();
            var r = runTimes.Average();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"synchronous={synchronous}: floor {f:F0} µs, one run {r:F0} µs, ratio {r / f:F2} (means over {rounds} rounds of {PerRound}, checkpoints included)"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
