using System.Text.Json;

namespace Keel.Sqlite.Benchmarks;

/// <summary>Checkpoints shaped like the chain workflow's, for measuring the store without the hub.</summary>
internal static class StoreCheckpoints
{
    public static RunRecord Run(string runId, DateTimeOffset now) => new()
    {
        RunId = runId,
        WorkflowName = "store",
        Goal = string.Empty,
        State = WorkflowState.Running,
        CurrentStep = "s0",
        DefinitionJson = "{}",
        DefinitionHash = "store",
        CreatedAt = now,
        UpdatedAt = now,
        LeaseOwner = "bench",
        LeaseExpires = now,
        Fence = 1,
    };

    public static Checkpoint Next(string runId, int i, DateTimeOffset now)
    {
        var data = new Dictionary<string, JsonElement> { ["at"] = KeelJson.Normalize("s" + i) };
        var entry = new HistoryEntry
        {
            RunId = runId,
            Sequence = i,
            StepId = "s" + i,
            WorkerType = new WorkerType("stepper"),
            WorkerName = "Stepper",
            Visit = 1,
            Attempt = 1,
            Outcome = AttemptOutcome.Succeeded,
            Input = KeelJson.Null,
            Output = KeelJson.Normalize(new { step = "s" + i, ok = true }),
            Timestamp = now,
            Duration = TimeSpan.Zero,
            NextStep = "s" + (i + 1),
            Data = data,
        };
        return new Checkpoint
        {
            RunId = runId,
            Fence = 1,
            Entry = entry,
            Data = data,
            State = WorkflowState.Running,
            CurrentStep = "s" + (i + 1),
            Visit = 1,
            Attempt = 1,
            StepsTaken = i + 2,
            UpdatedAt = now,
            LeaseExpires = now,
        };
    }
}
