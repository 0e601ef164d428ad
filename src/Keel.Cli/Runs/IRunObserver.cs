namespace Keel.Cli.Runs;

/// <summary>Hears what a run does while the command drives it.</summary>
internal interface IRunObserver
{
    /// <summary>A worker was called for an attempt.</summary>
    void Started(string stepId, WorkerType workerType, string workerName, int visit, int attempt);

    /// <summary>An attempt (or a decision) was committed to the store.</summary>
    void Recorded(HistoryEntry entry);

    /// <summary>The process stopped driving a run: it ended, waits for a person, or was paused.</summary>
    void Stopped(RunEvent stop)
    {
    }
}
