namespace Keel.Cli.Runs;

/// <summary>Turns a run's events into progress for an <see cref="IRunObserver"/>: the CLI sees runs as listeners do, without wrapping the store or the workers.</summary>
internal sealed class ProgressListener(IRunObserver observer) : RunEventListener
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _reported = new(StringComparer.Ordinal);

    public override void Write(in RunEventArguments arguments)
    {
        var history = arguments.Context.History;
        switch (arguments.Event)
        {
            case AttemptStarted started:
                observer.Started(started.StepId, started.WorkerType, started.WorkerName, started.Visit, started.Attempt);
                break;
            case AttemptRecorded recorded:
                Report(recorded.RunId, history, recorded.HistorySequence);
                break;
            case DecisionRecorded decided:
                Report(decided.RunId, history, decided.HistorySequence);
                break;
            case CancelRequested cancelled when history.Count > 0 && history[^1].Outcome == AttemptOutcome.Cancelled:
                Report(cancelled.RunId, history, history.Count - 1);
                break;
            case RunEnded or RunParked or RunPaused:
                observer.Stopped(arguments.Event);
                break;
        }
    }

    private void Report(string runId, IReadOnlyList<HistoryEntry> history, int sequence)
    {
        lock (_gate)
        {
            if (sequence >= history.Count || (_reported.TryGetValue(runId, out var last) && last >= sequence))
            {
                return;
            }

            _reported[runId] = sequence;
        }

        observer.Recorded(history[sequence]);
    }
}
