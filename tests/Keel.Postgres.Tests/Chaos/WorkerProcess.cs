using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Keel.Postgres.Tests.Chaos;

/// <summary>A Keel.Postgres.ChaosHost process (built beside the tests) that the test kills, stops and continues with real signals.</summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public WorkerProcess(string connection, string schema, string log, TimeSpan lease, int capacity, string? hold = null)
    {
        Log = log;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Keel.Postgres.ChaosHost.dll"));
        start.ArgumentList.Add(connection);
        start.ArgumentList.Add(schema);
        start.ArgumentList.Add(log);
        start.ArgumentList.Add(((int)lease.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (hold is not null)
        {
            start.ArgumentList.Add(hold);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid { get; }

    public string Log { get; }

    public bool HasExited => _process.HasExited;

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

    public async Task KillAsync()
    {
        Signal(SigKill);
        await _process.WaitForExitAsync();
    }

    public void Stop() => Signal(SigStop);

    public void Continue() => Signal(SigCont);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal(SigCont);
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
