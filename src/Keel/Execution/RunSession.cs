using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>The mutable state of one run while this process drives it (owned by its <see cref="RunOwner"/>).</summary>
internal sealed class RunSession
{
    /// <summary>The process's last wall-clock read on the system clock, shared by every run (see <see cref="WallClockAt"/>).</summary>
    private static WallAnchor? s_wallAnchor;

    private RunPosition _position;
    private List<RunEvent>? _pendingEvents;

    public RunSession(CompiledWorkflow workflow, WorkerDefinition?[] workers, WorkflowContext context, ILogger logger, bool verbose)
    {
        Workflow = workflow;
        Workers = workers;
        Context = context;
        Logger = logger;
        Verbose = verbose;
        Visits = new int[workflow.Steps.Length];
    }

    public CompiledWorkflow Workflow { get; }

    public WorkerDefinition?[] Workers { get; }

    public WorkflowContext Context { get; }

    public ILogger Logger { get; }

    public bool Verbose { get; }

    public string RunId => Context.WorkflowId;

    /// <summary>Where the run stands. Set only with what <see cref="Router"/> returns; mirrors into the context and the visit counts.</summary>
    public RunPosition Position
    {
        get => _position;
        set
        {
            _position = value;
            Context.State = value.State;
            Context.CurrentStep = value.Step;
            if (value.StepIndex >= 0 && value.Visit > Visits[value.StepIndex])
            {
                Visits[value.StepIndex] = value.Visit;
            }
        }
    }

    /// <summary>Each step's visits so far.</summary>
    public int[] Visits { get; }

    public long Fence { get; set; }

    /// <summary>True once this process drives the run's steps (the run span is for drives only).</summary>
    public bool Driving { get; set; }

    /// <summary>True when the drive continues a stored run rather than a fresh one or a fork.</summary>
    public bool Resumed { get; set; }

    /// <summary>The drive's run span, opened by the telemetry listener at the drive's first event.</summary>
    public System.Diagnostics.Activity? RunActivity { get; set; }

    /// <summary>The attempt in flight's span, from its <see cref="AttemptStarted"/> to its <see cref="AttemptRecorded"/>.</summary>
    public System.Diagnostics.Activity? StepActivity { get; set; }

    /// <summary>The sequence of the run's newest event (the next one is this plus one).</summary>
    public long LastEvent { get; set; }

    /// <summary>Events raised since the last checkpoint, written with the next one (a takeover's <see cref="LeaseLost"/>); made at the first.</summary>
    public List<RunEvent> PendingEvents => _pendingEvents ??= [];

    /// <summary>True when <see cref="PendingEvents"/> holds an event (without making the list).</summary>
    public bool HasPendingEvents => _pendingEvents is { Count: > 0 };

    /// <summary>Empties <see cref="PendingEvents"/> (without making the list).</summary>
    public void ClearPendingEvents() => _pendingEvents?.Clear();

    /// <summary>
    /// Nobody takes the run's events: takes the numbers the events of an attempt's end would have had (attempt
    /// recorded, then, when cancelled, cancel requested, and when the run ended there, run ended).
    /// </summary>
    public void SkipEndEvents(bool cancelled, RunPosition next) => LastEvent += cancelled ? 3 : next.AtStep ? 1 : 2;

    public int CommittedDataVersion { get; set; }

    /// <summary>The stored run's initial data bus (its bus before its first entry); empty for a run started here.</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> InitialData { get; init; } = EmptyData;

    private static readonly Dictionary<string, System.Text.Json.JsonElement> EmptyData = new(StringComparer.Ordinal);

    public long? MaxTokens { get; set; }

    public decimal? MaxCost { get; set; }

    /// <summary>The token of whoever drives the run: cancelled when this process stops driving it (an interruption, not a cancellation).</summary>
    public CancellationToken CallerToken { get; set; }

    /// <summary>Cancels the attempt in flight (cancel request, lost lease, or the caller's token).</summary>
    public CancellationTokenSource? CancelSource { get; set; }

    /// <summary>A control request seen (at a commit, a heartbeat, or from this process): honoured before the next attempt.</summary>
    public RunControl Control { get; set; }

    public bool CancelRequested => Control == RunControl.Cancel;

    public string? ControlBy { get; set; }

    public string? ControlReason { get; set; }

    public bool LeaseLost { get; set; }

    /// <summary>Loaded from the store: the first parallel or map step looks for attempts recorded before an interruption in the events.</summary>
    public bool FindsParkedAttempts { get; set; }

    /// <summary>The last checkpoint freed the lease (the run ended, parked or paused): nothing is left to release.</summary>
    public bool LeaseReleased { get; set; }

    public string? Prompt { get; set; }

    /// <summary>A step-only fork: the run ends after its one attempt (see <see cref="ForkOptions.StepOnly"/>).</summary>
    public bool StepOnly { get; init; }

    /// <summary>Completed when this process stops driving the run (with a store only).</summary>
    public TaskCompletionSource? Ended { get; set; }

    // One lock for every session: child work is rare (sub-workflow steps), and a lock per run would cost every run.
    private static readonly Lock s_childLock = new();
    private List<Task>? _childWork;

    /// <summary>
    /// Work for a child run that may outlive the parent's attempt (a timed-out sub-workflow step's child, being
    /// cancelled): the parent's owner waits for it before it lets the run go, so the child's end is recorded.
    /// </summary>
    public void TrackChildWork(Task work)
    {
        lock (s_childLock)
        {
            (_childWork ??= []).Add(work);
        }
    }

    /// <summary>Waits (at most <paramref name="limit"/>) for the child work tracked so far; its failures are the child's own.</summary>
    public async Task ChildWorkAsync(TimeSpan limit)
    {
        Task[] pending;
        lock (s_childLock)
        {
            if (_childWork is not { Count: > 0 })
            {
                return;
            }

            pending = [.. _childWork];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(limit).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A child that failed or outlasted the limit is recorded (or resumed) by its own owner.
        }
    }

    /// <summary>The next event's sequence, taken.</summary>
    public long NextEvent() => ++LastEvent;

    /// <summary>
    /// The wall-clock time at <paramref name="timestamp"/> (read from <paramref name="time"/> just before). On the
    /// system clock, an attempt that starts within a second of the process's last wall-clock read takes its time
    /// from that read and the monotonic clock (both are slewed alike by NTP, so they agree to the tick), so a run
    /// of fast steps reads the clock once per attempt, and a run that follows another within the second needs no
    /// wall-clock read at all. Any other clock is asked every time, so a test's clock sees every read it expects.
    /// </summary>
    public DateTimeOffset WallClockAt(long timestamp, TimeProvider time)
    {
        if (!ReferenceEquals(time, TimeProvider.System))
        {
            return time.GetUtcNow();
        }

        // The system clock's timestamps are Stopwatch's: a second is Stopwatch.Frequency of them.
        var anchor = Volatile.Read(ref s_wallAnchor);
        if (anchor is not null)
        {
            var since = timestamp - anchor.Timestamp;
            if (since >= 0 && since < Stopwatch.Frequency)
            {
                return new DateTimeOffset(anchor.Ticks + (since * TimeSpan.TicksPerSecond / Stopwatch.Frequency), TimeSpan.Zero);
            }
        }

        // A new anchor: the wall clock (UTC, offset zero, kept as its ticks) and a monotonic read right after it,
        // so the pair is as close as two reads (the caller's timestamp may be a moment older: a carried read, or
        // a thread preempted since), and every run in the process derives from it for the next second.
        var now = time.GetUtcNow();
        var anchored = time.GetTimestamp();
        Volatile.Write(ref s_wallAnchor, new WallAnchor(anchored, now.UtcTicks));
        var before = anchored - timestamp;
        return before > 0 && before < Stopwatch.Frequency
            ? new DateTimeOffset(now.UtcTicks - (before * TimeSpan.TicksPerSecond / Stopwatch.Frequency), TimeSpan.Zero)
            : now;
    }

    /// <summary>A wall-clock read of the system clock (its UTC ticks) and the monotonic timestamp it was read at.</summary>
    private sealed class WallAnchor(long timestamp, long ticks)
    {
        public long Timestamp { get; } = timestamp;

        public long Ticks { get; } = ticks;
    }
}
