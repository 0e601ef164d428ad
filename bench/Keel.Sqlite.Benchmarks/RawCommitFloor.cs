using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// The floor a durable commit is measured against: a bare connection (WAL, the synchronous mode given)
/// that inserts one row per transaction, each commit synced as the mode says, and nothing else.
/// </summary>
internal sealed class RawCommitFloor : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private long _row;

    public RawCommitFloor(string path, bool normal)
    {
        _connection = new SqliteConnection($"Data Source={path}");
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(normal ? "NORMAL" : "FULL")}; CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);";
            create.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO rows (id, payload) VALUES ($id, $payload);";
        _insert.Parameters.Add("$id", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Text);
    }

    /// <summary>Inserts one row holding <paramref name="payload"/> in a transaction of its own and commits it.</summary>
    public void Commit(string payload)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        _insert.Parameters[0].Value = ++_row;
        _insert.Parameters[1].Value = payload;
        _insert.ExecuteNonQuery();
        transaction.Commit();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }
}
