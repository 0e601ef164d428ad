using System.Diagnostics;

namespace Keel.Sqlite.Tests.Crash;

/// <summary>A child process running Keel.CrashHost (built beside the tests), killed with SIGKILL on request.</summary>
internal sealed class CrashHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private CrashHostProcess(params string[] args)
        : this(null, args)
    {
    }

    private CrashHostProcess(int? leaseSeconds, params string[] args)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Keel.CrashHost.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (leaseSeconds is { } seconds)
        {
            start.Environment["KEEL_CRASH_LEASE_SECONDS"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        start.ArgumentList.Add(host);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static CrashHostProcess Run(string db, string log, int runs, string block) => new("run", db, log, runs.ToString(System.Globalization.CultureInfo.InvariantCulture), block);

    public static CrashHostProcess Recover(string db, string log) => new("recover", db, log);

    /// <summary>Runs with a lease of <paramref name="leaseSeconds"/> held under the library's default owner id (machine:pid).</summary>
    public static CrashHostProcess RunHoldingLease(string db, string log, string block, int leaseSeconds) => new(leaseSeconds, "run", db, log, "1", block);

    /// <summary>One recovery pass, as a host recovering on start-up makes.</summary>
    public static CrashHostProcess RecoverOnce(string db, string log, int leaseSeconds) => new(leaseSeconds, "recover-once", db, log);

    /// <summary>SIGKILL (Process.Kill on Linux), then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit by itself; fails the test when it does not within <paramref name="limit"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            Assert.Fail($"Crash host did not exit within {limit}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
