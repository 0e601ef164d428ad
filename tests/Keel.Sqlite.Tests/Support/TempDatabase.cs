using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Tests.Support;

/// <summary>A fresh database file path in a fresh temp directory, deleted with the directory.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "keel-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "keel.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>A raw connection to the file, outside the store (to tamper with it).</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold the file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
