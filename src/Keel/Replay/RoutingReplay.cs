namespace Keel;

/// <summary>
/// Replays stored runs through an edited workflow definition with no worker call: routing is a pure
/// function of the recorded outcomes, so the hub's routing law (on_success, on_failure, max_retries and
/// the step budget) is re-driven over each run's history and the path it would now take is compared
/// with the path it took.
/// </summary>
public static class RoutingReplay
{
    /// <summary>Replays every run through <paramref name="edited"/> (validated first) and reports each run's verdict.</summary>
    public static RoutingReplayReport Compare(WorkflowDefinition edited, IEnumerable<(string RunId, IReadOnlyList<HistoryEntry> History)> runs)
    {
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(runs);
        var workflow = CompiledWorkflow.Compile(edited);
        var results = new List<RunReplayResult>();
        foreach (var (runId, history) in runs)
        {
            ArgumentNullException.ThrowIfNull(history);
            results.Add(RoutingReplayRun.Replay(workflow, runId, history));
        }

        return new RoutingReplayReport(workflow.Name, results);
    }

    /// <summary>
    /// Replays the stored runs of the edited workflow (by its name; the newest <paramref name="limit"/>)
    /// through <paramref name="edited"/>.
    /// </summary>
    public static async Task<RoutingReplayReport> CompareAsync(WorkflowDefinition edited, IRunStore store, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(store);
        var runs = new List<(string, IReadOnlyList<HistoryEntry>)>();
        foreach (var run in await store.ListRunsAsync(new RunQuery { WorkflowName = edited.Name, Limit = limit }, cancellationToken).ConfigureAwait(false))
        {
            runs.Add((run.RunId, await store.GetHistoryAsync(run.RunId, cancellationToken).ConfigureAwait(false)));
        }

        return Compare(edited, runs);
    }
}

/// <summary>What a routing replay found, one result per run.</summary>
public sealed record RoutingReplayReport(string WorkflowName, IReadOnlyList<RunReplayResult> Runs)
{
    /// <summary>True when every run would take the path it took.</summary>
    public bool AllSamePath => Runs.All(r => r.Verdict == RoutingVerdict.SamePath);

    /// <summary>One line per run, for a console.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Runs.Select(r => r.ToString()));
}

/// <summary>The verdict on one run.</summary>
public enum RoutingVerdict
{
    /// <summary>The edited definition routes the recorded outcomes along the recorded path.</summary>
    SamePath,

    /// <summary>The edited definition takes another path, and every outcome it needs was recorded.</summary>
    Diverges,

    /// <summary>The edited definition takes another path that reaches an attempt the run never made.</summary>
    NeedsUnrecordedOutcome,
}

/// <summary>
/// One run replayed: the verdict, the first history entry where the paths part (its sequence and step),
/// why, and both paths as "step#visit.attempt -> next" transitions.
/// </summary>
public sealed record RunReplayResult
{
    /// <summary>The run replayed.</summary>
    public required string RunId { get; init; }

    /// <summary>Whether the edited definition takes the recorded path.</summary>
    public required RoutingVerdict Verdict { get; init; }

    /// <summary>The step at which the paths part, or null when they do not.</summary>
    public string? DivergedAtStep { get; init; }

    /// <summary>The sequence of the recorded entry at which the paths part, or null.</summary>
    public int? DivergedAtSequence { get; init; }

    /// <summary>Why the paths part, in words (for example "on_failure of review_code now goes to create_specs (was implement_code)").</summary>
    public string? Reason { get; init; }

    /// <summary>The attempt the edited path needs and the run never made, when <see cref="Verdict"/> says so.</summary>
    public string? MissingOutcome { get; init; }

    /// <summary>The recorded transitions.</summary>
    public required IReadOnlyList<string> RecordedPath { get; init; }

    /// <summary>The transitions the edited definition takes over the recorded outcomes (as far as they reach).</summary>
    public required IReadOnlyList<string> ReplayedPath { get; init; }

    /// <summary>One line: the run id, the verdict, and where and why the paths part.</summary>
    public override string ToString() => Verdict switch
    {
        RoutingVerdict.SamePath => $"{RunId}: same path",
        RoutingVerdict.Diverges => $"{RunId}: diverges at step '{DivergedAtStep}' (entry {DivergedAtSequence}): {Reason}",
        _ => $"{RunId}: diverges at step '{DivergedAtStep}' (entry {DivergedAtSequence}): {Reason}; then needs an outcome not recorded: {MissingOutcome}",
    };
}
