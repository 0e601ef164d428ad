using System.Text.Json;

namespace Keel;

/// <summary>How a run ended (or where it stopped): the state, the final output or error, and the full history.</summary>
public sealed class WorkflowResult
{
    internal WorkflowResult(
        string runId,
        string workflowName,
        WorkflowState state,
        string currentStep,
        JsonElement? finalOutput,
        string? error,
        IReadOnlyList<HistoryEntry> history,
        IReadOnlyDictionary<string, JsonElement> data,
        TokenUsage? usage,
        string? prompt)
    {
        RunId = runId;
        WorkflowName = workflowName;
        State = state;
        CurrentStep = currentStep;
        FinalOutput = finalOutput;
        Error = error;
        History = HistoryList.Of(history);
        Data = data;
        Usage = usage;
        Prompt = prompt;
    }

    /// <summary>The run's id (the store's key, also when the run was not stored).</summary>
    public string RunId { get; }

    /// <summary>Alias of <see cref="RunId"/> (the seed's workflow_id).</summary>
    public string WorkflowId => RunId;

    /// <summary>The name of the workflow that ran.</summary>
    public string WorkflowName { get; }

    /// <summary>Where the call left the run: an end state (completed, failed, cancelled) or a parked one (waiting for approval, paused).</summary>
    public WorkflowState State { get; }

    /// <summary>The step the run stopped at, or the terminal target it reached.</summary>
    public string CurrentStep { get; }

    /// <summary>The output of the last successful attempt.</summary>
    public JsonElement? FinalOutput { get; }

    /// <summary>Why the run failed, when it did.</summary>
    public string? Error { get; }

    /// <summary>Every recorded attempt and decision, oldest first; prints one entry after another (see <see cref="HistoryEntry.ToString"/>).</summary>
    public IReadOnlyList<HistoryEntry> History { get; }

    /// <summary>The data bus as the run left it.</summary>
    public IReadOnlyDictionary<string, JsonElement> Data { get; }

    /// <summary>Model usage summed over the run.</summary>
    public TokenUsage? Usage { get; }

    /// <summary>The approval prompt, when the run waits for approval.</summary>
    public string? Prompt { get; }

    /// <summary>The final output read as <typeparamref name="T"/>.</summary>
    public T? GetFinalOutput<T>() => FinalOutput is { } output ? KeelJson.Deserialize<T>(output) : default;

    /// <summary>The step ids in the order the run visited them (one per visit, retries folded).</summary>
    public IReadOnlyList<string> Path
    {
        get
        {
            var path = new List<string>();
            foreach (var entry in History)
            {
                if (entry.Attempt == 1)
                {
                    path.Add(entry.StepId);
                }
            }

            return path;
        }
    }

    /// <summary>The run on one line: workflow, run id, state and where it stopped, entries, and the error when it failed.</summary>
    public override string ToString()
        => $"{WorkflowName} run {RunId}: {StableNames.Of(State)} at '{CurrentStep}', {History.Count} {(History.Count == 1 ? "entry" : "entries")}"
            + (Error is null ? string.Empty : ": " + Error);
}
