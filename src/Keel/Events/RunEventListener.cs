namespace Keel;

/// <summary>
/// Sees every event of every run this process drives, as it happens (register on
/// <see cref="OrchestratorOptions.EventListeners"/> or with <c>AddKeel(k => k.AddEventListener(...))</c>).
/// Logs, metrics, traces and progress displays are listeners. <see cref="Write"/> is called on the run's
/// path, in order per run: keep it quick and do not throw (an exception is logged and swallowed).
/// </summary>
public abstract class RunEventListener
{
    /// <summary>Called once per event, after the event's checkpoint is committed (before the attempt, for <see cref="AttemptStarted"/>).</summary>
    public abstract void Write(in RunEventArguments arguments);

    /// <summary>
    /// False when this listener would do nothing with the run's events (Keel's telemetry with no span, metric
    /// or log listener): a run in memory whose listeners all say so builds no per-attempt event objects.
    /// </summary>
    internal virtual bool IsListening(RunSession session) => true;
}

/// <summary>What a <see cref="RunEventListener"/> is given: the event and the run it belongs to.</summary>
public readonly struct RunEventArguments
{
    /// <summary>Arguments for one event.</summary>
    public RunEventArguments(RunEvent runEvent, string workflowName, WorkflowContext context)
    {
        Event = runEvent;
        WorkflowName = workflowName;
        Context = context;
    }

    internal RunEventArguments(RunEvent runEvent, string workflowName, WorkflowContext context, RunSession session)
        : this(runEvent, workflowName, context)
    {
        Session = session;
    }

    /// <summary>The event.</summary>
    public RunEvent Event { get; }

    /// <summary>The run's workflow.</summary>
    public string WorkflowName { get; }

    /// <summary>The run's context as it stands after the event (read it, do not change it).</summary>
    public WorkflowContext Context { get; }

    /// <summary>The session of the run this process drives (for the built-in telemetry listener).</summary>
    internal RunSession? Session { get; }
}
