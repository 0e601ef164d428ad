using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Keel.Postgres.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for the test assembly: <c>initdb</c> into a fresh folder under the temp
/// directory, started by <c>pg_ctl</c> on a free loopback port (TCP on 127.0.0.1 only, trust authentication,
/// no Unix socket, fsync on), stopped and deleted when the fixture is disposed. PostgreSQL refuses to run as
/// root, so when the tests run as root the server runs as the <c>postgres</c> user (Debian's package creates
/// it) and the folder is owned by that user. Without the server binaries the fixture throws, naming what it
/// looked for, and every test that needs it fails with that message.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string _bin;
    private readonly string? _runAs;
    private bool _started;

    public PostgresServer()
    {
        _bin = FindBinaries();
        _runAs = IsRoot() ? ServiceUser : null;
        Root = Directory.CreateTempSubdirectory("keel-pg-").FullName;
        DataDirectory = Path.Combine(Root, "data");
        try
        {
            if (_runAs is not null)
            {
                Run("chown", null, TimeSpan.FromSeconds(30), $"{_runAs}:", Root);
            }

            Run(Path.Combine(_bin, "initdb"), _runAs, TimeSpan.FromMinutes(2),
                "-D", DataDirectory, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync");
            File.WriteAllText(Path.Combine(DataDirectory, "pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The superuser the cluster was created with.</summary>
    public const string SuperUser = "keel";

    public string Root { get; }

    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>A connection string to the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username={SuperUser};Database=postgres;Pooling=true;Timeout=30;Command Timeout=60";

    /// <summary>Creates a database of its own for a test that hands a whole URI to a keel process, and returns its name.</summary>
    public string CreateDatabase(string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name};", connection);
        command.ExecuteNonQuery();
        return name;
    }

    /// <summary>A connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionStringTo(string database) => ConnectionString.Replace("Database=postgres", $"Database={database}", StringComparison.Ordinal);

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing its pooled connections first; a server already gone is fine (its cluster is deleted with it).</summary>
    public void DropDatabase(string database)
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE);", connection);
            command.ExecuteNonQuery();
        }
        catch (Npgsql.NpgsqlException)
        {
            // The server is gone: the whole cluster is deleted with it.
        }
    }

    /// <summary>A fresh schema name, unique in this cluster (each test's store lives in its own).</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    public void Dispose()
    {
        if (_started)
        {
            try
            {
                Run(Path.Combine(_bin, "pg_ctl"), _runAs, TimeSpan.FromMinutes(1), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
            }
            catch (InvalidOperationException)
            {
                // Already stopped: nothing to do but delete the folder.
            }

            _started = false;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment: the temp directory is cleaned by the OS.
        }
    }

    private void Start()
    {
        var log = Path.Combine(Root, "server.log");
        for (var tries = 1; ; tries++)
        {
            Port = FreePort();
            File.WriteAllText(Path.Combine(DataDirectory, "postgresql.auto.conf"), $"""
                listen_addresses = '127.0.0.1'
                port = {Port}
                unix_socket_directories = ''
                fsync = on
                max_connections = 300
                shared_buffers = 64MB
                log_min_messages = warning

                """);
            try
            {
                Run(Path.Combine(_bin, "pg_ctl"), _runAs, TimeSpan.FromMinutes(1), "-D", DataDirectory, "-l", log, "-w", "-t", "60", "start");
                _started = true;
                return;
            }
            catch (InvalidOperationException) when (tries < 3)
            {
                // The free port may have been taken between the probe and the start: try another.
            }
            catch (InvalidOperationException ex)
            {
                var tail = File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
                throw new InvalidOperationException($"{ex.Message}\nServer log:\n{tail}", ex);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>The folder holding initdb, pg_ctl and postgres: <c>pg_config --bindir</c>, else the newest /usr/lib/postgresql/*/bin.</summary>
    private static string FindBinaries()
    {
        var looked = new List<string>();
        try
        {
            var bindir = Run("pg_config", null, TimeSpan.FromSeconds(30), "--bindir").Trim();
            looked.Add($"pg_config --bindir ({bindir})");
            if (HasServer(bindir))
            {
                return bindir;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            looked.Add("pg_config (not found)");
        }

        const string debian = "/usr/lib/postgresql";
        looked.Add($"{debian}/*/bin");
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => Path.Combine(d, "bin"))
                .Where(HasServer)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        throw new InvalidOperationException(
            "The PostgreSQL tests need the PostgreSQL server binaries (initdb, pg_ctl, postgres), and none were found; looked in "
            + string.Join(", ", looked) + ". Install Debian's 'postgresql' package (apt-get install postgresql); .ci/run installs it.");
    }

    private static bool HasServer(string bin)
        => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")) && File.Exists(Path.Combine(bin, "postgres"));

    /// <summary>Runs a program (as <paramref name="user"/> through runuser when given) and returns its output; throws with its output when it fails.</summary>
    private static string Run(string program, string? user, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(user is null ? program : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (user is not null)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(user);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not finish within {limit}.");
        }

        process.WaitForExit();
        lock (output)
        {
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}{(user is null ? "" : $" (run as '{user}')")}:\n{output}");
            }

            return output.ToString();
        }
    }
}
