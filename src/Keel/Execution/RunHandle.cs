namespace Keel;

/// <summary>A run started with <see cref="Orchestrator.StartAsync"/>: wait for its result, watch its events, cancel it.</summary>
public sealed class RunHandle
{
    private readonly Orchestrator _orchestrator;

    internal RunHandle(Orchestrator orchestrator, string runId)
    {
        _orchestrator = orchestrator;
        RunId = runId;
    }

    /// <summary>The run's id.</summary>
    public string RunId { get; }

    /// <summary>
    /// Waits until the run ends or waits for a person at an approval step, then returns its stored
    /// result. Cancelling the token stops the waiting, not the run.
    /// </summary>
    public async Task<WorkflowResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        long seen = 0;
        while (true)
        {
            await foreach (var runEvent in _orchestrator.WatchAsync(RunId, seen, cancellationToken).ConfigureAwait(false))
            {
                seen = runEvent.Sequence;
                if (runEvent is RunEnded)
                {
                    return await _orchestrator.GetResultAsync(RunId, cancellationToken).ConfigureAwait(false);
                }

                if (runEvent is RunParked)
                {
                    var run = await _orchestrator.GetRunAsync(RunId, cancellationToken).ConfigureAwait(false);
                    if (run.State == WorkflowState.WaitingForApproval && run.LastEventSequence == seen)
                    {
                        return await _orchestrator.GetResultAsync(RunId, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // The watch ended without a run_ended after the events seen: the run has ended (or is gone, which the
            // result's read reports), so its stored result is the answer rather than another watch.
            var ended = await _orchestrator.GetRunAsync(RunId, cancellationToken).ConfigureAwait(false);
            if (ended.State.IsEnded())
            {
                return await _orchestrator.GetResultAsync(RunId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The run's events after <paramref name="afterSequence"/>, then each new one, until the run ends.</summary>
    public IAsyncEnumerable<RunEvent> WatchAsync(long afterSequence = 0, CancellationToken cancellationToken = default)
        => _orchestrator.WatchAsync(RunId, afterSequence, cancellationToken);

    /// <summary>Cancels the run (see <see cref="Orchestrator.CancelAsync"/>).</summary>
    public Task<WorkflowResult> CancelAsync(string? by = null, string? reason = null, CancellationToken cancellationToken = default)
        => _orchestrator.CancelAsync(RunId, by, reason, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => RunId;
}
