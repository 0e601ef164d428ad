using System.Diagnostics;
using System.Globalization;

namespace Keel.Cli.Runs;

/// <summary>
/// Progress of a run on the console. On a terminal, a live line shows the step, the worker, the attempt,
/// the elapsed time and the tokens so far, replaced by one line per recorded attempt; when output is
/// redirected, only the plain lines are written.
/// </summary>
internal sealed class ConsoleProgress : IRunObserver, IDisposable
{
    private static readonly string[] Spinner = ["|", "/", "-", "\\"];
    private readonly TextWriter _out;
    private readonly bool _live;
    private readonly bool _runIds;
    private readonly Lock _gate = new();
    private readonly Timer? _timer;
    private readonly Stopwatch _attemptClock = new();
    private string? _current;
    private long _tokens;
    private int _frame;

    /// <param name="output">Where the lines go.</param>
    /// <param name="live">Draw a live line (a terminal).</param>
    /// <param name="runIds">Lines name their run, and each run's stop is a line (a worker drives many runs at once).</param>
    public ConsoleProgress(TextWriter output, bool live, bool runIds = false)
    {
        _out = output;
        _live = live;
        _runIds = runIds;
        if (live)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
        }
    }

    public int Attempts { get; private set; }

    public void Started(string stepId, WorkerType workerType, string workerName, int visit, int attempt)
    {
        lock (_gate)
        {
            var worker = string.Equals(workerType.Value, workerName, StringComparison.OrdinalIgnoreCase) ? workerType.Value : $"{workerType} ({workerName})";
            _current = $"{stepId} · {worker} · {Attempt(visit, attempt)}";
            _attemptClock.Restart();
        }

        Draw();
    }

    public void Recorded(HistoryEntry entry)
    {
        lock (_gate)
        {
            Attempts++;
            _tokens += entry.Usage?.TotalTokens ?? 0;
            _current = null;
            ClearLine();
            _out.WriteLine(_runIds ? Short(entry.RunId) + Line(entry, _live) : Line(entry, _live));
        }
    }

    public void Stopped(RunEvent stop)
    {
        if (!_runIds)
        {
            return;
        }

        var what = stop switch
        {
            RunEnded { Error: { } error } ended => $"{Format.State(ended.State)}: {Format.Short(error, 120)}",
            RunEnded ended => Format.State(ended.State),
            RunParked parked => $"waits for approval at '{parked.StepId}' (keel approve {stop.RunId} {parked.StepId})",
            RunPaused paused => $"paused at '{paused.StepId}' by {paused.By}",
            _ => stop.Type,
        };
        lock (_gate)
        {
            ClearLine();
            _out.WriteLine($"{Short(stop.RunId)}  run {what}");
        }
    }

    /// <summary>A run's id as a worker's lines start: its first 8 characters (a prefix every command takes).</summary>
    private static string Short(string runId) => runId.Length > 8 ? runId[..8] : runId;

    public static string Line(HistoryEntry entry, bool symbols)
    {
        var mark = symbols ? (entry.Outcome.IsSuccess() ? "  ✓ " : entry.Outcome == AttemptOutcome.Cancelled ? "  ■ " : "  ✗ ") : "  ";
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{mark}{entry.StepId,-18} {entry.WorkerType.Value,-16} {Attempt(entry.Visit, entry.Attempt),-9}  {Format.Outcome(entry.Outcome),-14} {Format.Duration(entry.Duration),8}  tokens {Format.Tokens(entry.Usage)}");
        if (entry.Error is { } error)
        {
            text += "  " + Format.Short(error, 120);
        }

        if (!WorkflowStep.IsTerminal(entry.NextStep) && !string.Equals(entry.NextStep, entry.StepId, StringComparison.Ordinal) && !entry.Outcome.IsSuccess())
        {
            text += $"  -> {entry.NextStep}";
        }

        return text;
    }

    /// <summary>The attempt as <c>keel show</c> names it: <c>attempt 2</c>, or <c>attempt 1 (visit 2)</c> once the run came back to the step.</summary>
    public static string Attempt(int visit, int attempt)
        => visit > 1 ? $"attempt {attempt} (visit {visit})" : $"attempt {attempt}";

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            _current = null;
            ClearLine();
        }
    }

    private void Draw()
    {
        if (!_live)
        {
            return;
        }

        lock (_gate)
        {
            if (_current is null)
            {
                return;
            }

            _frame = (_frame + 1) % Spinner.Length;
            var elapsed = Format.Duration(_attemptClock.Elapsed);
            _out.Write($"\r\u001b[2K  {Spinner[_frame]} {_current} · {elapsed} · tokens {_tokens}");
            _out.Flush();
        }
    }

    private void ClearLine()
    {
        if (_live)
        {
            _out.Write("\r\u001b[2K");
        }
    }
}
