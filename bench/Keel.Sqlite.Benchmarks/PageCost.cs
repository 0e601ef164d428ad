using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// What a commit costs on this disk at a synchronous mode, split into a cost per transaction, per statement
/// and per page: bare connections (WAL, as the store opens its file) commit k short rows per transaction,
/// for k = 1, 2, 4 and 8, once all into one table (k statements, one WAL frame) and once one into each of k
/// tables (k statements, k frames). A least-squares line through the first series gives the transaction's
/// and the statement's cost; the mean gap between the two series per extra table, the page's. With them, a
/// durable run's time is predicted from its transactions, statements and WAL frames (bench/syscalls.sh
/// counts the frames). Not a substitute for the BenchmarkDotNet figures quoted in the docs.
/// </summary>
internal static class PageCost
{
    private static readonly int[] Tables = [1, 2, 4, 8];

    public static void Run(SqliteSynchronous synchronous, int commits)
    {
        var directory = Path.Combine(Path.GetTempPath(), "keel-pages-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var onePage = new double[Tables.Length];
            var pages = new double[Tables.Length];
            for (var i = 0; i < Tables.Length; i++)
            {
                var k = Tables[i];
                onePage[i] = Measure(Path.Combine(directory, $"one-{k}.db"), tables: 1, rows: k, synchronous, commits);
                pages[i] = Measure(Path.Combine(directory, $"many-{k}.db"), tables: k, rows: k, synchronous, commits);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"synchronous={synchronous}: {k} row(s) per commit: {onePage[i]:F1} µs into one table (1 page), {pages[i]:F1} µs into {k} table(s) ({k} pages)"));
            }

            var meanK = Tables.Average();
            var meanT = onePage.Average();
            var perStatement = Enumerable.Range(0, Tables.Length).Sum(i => (Tables[i] - meanK) * (onePage[i] - meanT)) / Tables.Sum(k => (k - meanK) * (k - meanK));
            var perTransaction = meanT - (perStatement * meanK);
            var perPage = Enumerable.Range(1, Tables.Length - 1).Average(i => (pages[i] - onePage[i]) / (Tables[i] - 1));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"synchronous={synchronous}: {perTransaction:F1} µs per transaction + {perStatement:F1} µs per statement + {perPage:F1} µs per extra page ({commits:N0} commits each)"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Measure(string path, int tables, int rows, SqliteSynchronous synchronous, int commits)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(synchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL")};"
                + string.Concat(Enumerable.Range(0, tables).Select(t => $"CREATE TABLE t{t} (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);"));
            create.ExecuteNonQuery();
        }

        var inserts = Enumerable.Range(0, rows).Select(r => r % tables).Select(t =>
        {
            var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO t{t} (id, payload) VALUES ($id, $payload);";
            insert.Parameters.Add("$id", SqliteType.Integer);
            insert.Parameters.Add("$payload", SqliteType.Text).Value = PeerWorkload.Expected;
            return insert;
        }).ToArray();
        try
        {
            var row = 0L;
            var watch = new Stopwatch();
            for (var pass = 0; pass < 2; pass++)
            {
                // The first pass warms the file up to its steady size; the second is measured.
                watch.Restart();
                for (var i = 0; i < commits; i++)
                {
                    using var transaction = connection.BeginTransaction();
                    foreach (var insert in inserts)
                    {
                        insert.Transaction = transaction;
                        insert.Parameters[0].Value = ++row;
                        insert.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }
            }

            return watch.Elapsed.TotalMicroseconds / commits;
        }
        finally
        {
            foreach (var insert in inserts)
            {
                insert.Dispose();
            }
        }
    }
}
