using System.Text.Json;

namespace Keel.Server.Runs;

/// <summary>A run as listed.</summary>
public sealed record RunSummary
{
    /// <summary>The run's id.</summary>
    public required string Id { get; init; }

    /// <summary>The run's workflow.</summary>
    public required string Workflow { get; init; }

    /// <summary>The run's goal.</summary>
    public required string Goal { get; init; }

    /// <summary>Where the run is in its life cycle.</summary>
    public required WorkflowState State { get; init; }

    /// <summary>The step to run next, the step waiting for a person, or the terminal reached.</summary>
    public required string CurrentStep { get; init; }

    /// <summary>When the run was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>From creation to the last change (the whole run, once it ended).</summary>
    public required double DurationMs { get; init; }

    /// <summary>Why the run failed or was cancelled; null otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>Recorded attempts and decisions so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>Input tokens reported so far.</summary>
    public required long InputTokens { get; init; }

    /// <summary>Output tokens reported so far.</summary>
    public required long OutputTokens { get; init; }

    /// <summary>Cost reported so far, in the price table's currency; null when no attempt reported one.</summary>
    public decimal? Cost { get; init; }

    /// <summary>The SHA-256 of the definition the run is pinned to.</summary>
    public required string DefinitionHash { get; init; }

    /// <summary>The run this one was forked from; null otherwise.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>The history sequence of the parent the fork started at; null for a run not forked.</summary>
    public int? ParentSequence { get; init; }

    internal static RunSummary From(RunRecord run) => new()
    {
        Id = run.RunId,
        Workflow = run.WorkflowName,
        Goal = run.Goal,
        State = run.State,
        CurrentStep = run.CurrentStep,
        CreatedAt = run.CreatedAt,
        UpdatedAt = run.UpdatedAt,
        DurationMs = Math.Max(0, (run.UpdatedAt - run.CreatedAt).TotalMilliseconds),
        Error = run.Error,
        Attempts = run.HistoryCount,
        InputTokens = run.InputTokens,
        OutputTokens = run.OutputTokens,
        Cost = run.Cost,
        DefinitionHash = run.DefinitionHash,
        ParentRunId = run.ParentRunId,
        ParentSequence = run.ParentSequence,
    };
}

/// <summary>One page of runs, newest first; pass <see cref="NextCursor"/> as <c>cursor</c> for the next.</summary>
public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? NextCursor);

/// <summary>A run with its attempts, usage and lineage.</summary>
public sealed record RunDetail
{
    /// <summary>The run as listed.</summary>
    public required RunSummary Run { get; init; }

    /// <summary>Every recorded attempt and decision, oldest first.</summary>
    public required IReadOnlyList<AttemptView> Attempts { get; init; }

    /// <summary>The prompt of the approval step the run waits at.</summary>
    public string? Prompt { get; init; }

    /// <summary>When the approval the run waits at must be decided by (its step's timeout), if it has one.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Runs forked from this one.</summary>
    public required IReadOnlyList<RunSummary> Children { get; init; }

    /// <summary>The data bus now.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Data { get; init; }
}

/// <summary>One recorded attempt (or decision, or cancellation).</summary>
public sealed record AttemptView
{
    /// <summary>The entry's position in the run's history, from 0.</summary>
    public required int Sequence { get; init; }

    /// <summary>The step attempted.</summary>
    public required string StepId { get; init; }

    /// <summary>The step's worker type (<c>approval</c> for a decision).</summary>
    public required string WorkerType { get; init; }

    /// <summary>The worker's name; for a decision or a cancel, who made it.</summary>
    public required string WorkerName { get; init; }

    /// <summary>The visit of the step (from 1).</summary>
    public required int Visit { get; init; }

    /// <summary>The attempt within the visit (from 1).</summary>
    public required int Attempt { get; init; }

    /// <summary>How the attempt ended.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>The input the worker saw; null when it had none.</summary>
    public JsonElement? Input { get; init; }

    /// <summary>The output recorded; null on failure.</summary>
    public JsonElement? Output { get; init; }

    /// <summary>Why it failed (the validation verdict for invalid output), or a decision's comment.</summary>
    public string? Error { get; init; }

    /// <summary>When the attempt started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long the attempt took, in milliseconds.</summary>
    public required double DurationMs { get; init; }

    /// <summary>Input tokens the attempt reported, if any.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Output tokens the attempt reported, if any.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>The model the attempt reported using, if any.</summary>
    public string? Model { get; init; }

    /// <summary>The attempt's reported cost, if any.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Where the hub routed next.</summary>
    public required string NextStep { get; init; }

    /// <summary>The key a worker passes to external systems so a repeated attempt is recognised (same run, step, visit and attempt).</summary>
    public required string IdempotencyKey { get; init; }

    internal static AttemptView From(HistoryEntry entry) => new()
    {
        Sequence = entry.Sequence,
        StepId = entry.StepId,
        WorkerType = entry.WorkerType.Value,
        WorkerName = entry.WorkerName,
        Visit = entry.Visit,
        Attempt = entry.Attempt,
        Outcome = entry.Outcome,
        Input = entry.Input.ValueKind == JsonValueKind.Undefined ? null : entry.Input,
        Output = entry.Output.ValueKind == JsonValueKind.Undefined ? null : entry.Output,
        Error = entry.Error,
        StartedAt = entry.Timestamp,
        DurationMs = entry.Duration.TotalMilliseconds,
        InputTokens = entry.Usage?.InputTokens,
        OutputTokens = entry.Usage?.OutputTokens,
        Model = entry.Usage?.Model,
        Cost = entry.Usage?.Cost,
        NextStep = entry.NextStep,
        IdempotencyKey = entry.IdempotencyKey,
    };
}

/// <summary>Starts a run.</summary>
public sealed record StartRunRequest
{
    /// <summary>The registered workflow's name.</summary>
    public string? Workflow { get; init; }

    /// <summary>What the run is for. Default: the workflow's goal.</summary>
    public string? Goal { get; init; }

    /// <summary>The initial data bus (keys starting with <c>keel.</c> or <c>_keel.</c> are reserved).</summary>
    public Dictionary<string, JsonElement>? Data { get; init; }

    /// <summary>Run this stored version of the workflow (a definition hash): it becomes the workflow's registered version (worker loops drive runs of registered versions), for later runs too and after a restart.</summary>
    public string? DefinitionHash { get; init; }

    /// <summary>The run's token budget; none when not set.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>The run's cost budget; none when not set.</summary>
    public decimal? MaxCost { get; init; }
}

/// <summary>Cancels a run (or runs); recorded with who and why.</summary>
public sealed record CancelRequest
{
    /// <summary>Why, recorded with the cancellation.</summary>
    public string? Reason { get; init; }
}

/// <summary>Forks a run at a recorded attempt, with edited data.</summary>
public sealed record ForkRequest
{
    /// <summary>The attempt (history sequence, from 0) to run again in the new run.</summary>
    public int? Sequence { get; init; }

    /// <summary>Data bus values to set in the new run before that attempt (its edited input).</summary>
    public Dictionary<string, JsonElement>? Data { get; init; }
}

/// <summary>Re-runs one recorded attempt alone, in a new run linked to its parent.</summary>
public sealed record RerunRequest
{
    /// <summary>Data bus values to set in the new run before the attempt (its edited input).</summary>
    public Dictionary<string, JsonElement>? Data { get; init; }
}

/// <summary>Cancels every run matching the filter that has not ended.</summary>
public sealed record BulkCancelRequest
{
    /// <summary>Only runs of this workflow.</summary>
    public string? Workflow { get; init; }

    /// <summary>Only runs in this state.</summary>
    public WorkflowState? State { get; init; }

    /// <summary>Only runs created at or after this time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Only runs created before this time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Why, recorded with each cancellation.</summary>
    public string? Reason { get; init; }
}

/// <summary>The runs a bulk cancel asked to stop.</summary>
public sealed record BulkCancelResult(IReadOnlyList<string> Cancelled, IReadOnlyDictionary<string, string> Refused);

/// <summary>What a control request did: the run as it stands after it was accepted.</summary>
public sealed record ControlResult(RunSummary Run, string Detail);
