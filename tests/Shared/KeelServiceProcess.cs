using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Keel.Testing;

/// <summary>
/// A long-running keel process (<c>keel serve</c>, <c>keel worker</c>) started from the built command beside
/// the tests; its output is kept (the last lines) and it is stopped with SIGINT, as a person stops it.
/// </summary>
internal sealed partial class KeelServiceProcess : IAsyncDisposable
{
    private const int SigInt = 2;

    /// <summary>A two-step workflow of builtin workers (<c>handoff</c>: spec, then page) that a served test starts over HTTP.</summary>
    public const string HandoffWorkflow = """
        name: handoff
        goal: A website for a bakery
        workers:
          product_manager: { kind: builtin }
          coder: { kind: builtin }
        steps:
          - id: spec
            worker: product_manager
            on_success: page
          - id: page
            worker: coder
        """;
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Uri? _served;

    private KeelServiceProcess(string workingDirectory, string[] args)
    {
        Arguments = string.Join(' ', args);
        _process = new Process { StartInfo = KeelProcess.StartInfo(workingDirectory, args) };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _ = _process.WaitForExitAsync().ContinueWith(_ => _address.TrySetException(new InvalidOperationException($"keel {Arguments} exited ({_process.ExitCode}):\n{Output}")), TaskScheduler.Default);
    }

    public string Arguments { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <c>keel serve ARGS --listen http://127.0.0.1:0</c> and waits until it says where it listens.</summary>
    public static async Task<(KeelServiceProcess Process, Uri Address)> ServeAsync(string workingDirectory, params string[] args)
    {
        var process = new KeelServiceProcess(workingDirectory, ["serve", .. args, "--listen", "http://127.0.0.1:0"]);
        try
        {
            var address = await process._address.Task.WaitAsync(TimeSpan.FromMinutes(1));
            return (process, address);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>keel ARGS</c> (a worker) and returns at once.</summary>
    public static KeelServiceProcess Start(string workingDirectory, params string[] args) => new(workingDirectory, args);

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }

        // The banner names the address first and ends with how to stop: ready once it is all written.
        if (ServingLine().Match(line) is { Success: true } match)
        {
            _served = new Uri(match.Groups[1].Value);
        }
        else if (line.StartsWith("Ctrl+C stops", StringComparison.Ordinal) && _served is { } served)
        {
            _address.TrySetResult(served);
        }
    }

    /// <summary>Stops the process with SIGINT (killed if it has not ended within half a minute).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigInt);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^Keel serving .* on (http://[^,\s]+)")]
    private static partial Regex ServingLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
