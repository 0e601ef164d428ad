namespace Keel;

/// <summary>Re-drives the routing law over one run's recorded outcomes (see <see cref="RoutingReplay"/>).</summary>
internal sealed class RoutingReplayRun
{
    private readonly CompiledWorkflow _workflow;
    private readonly IReadOnlyList<HistoryEntry> _history;
    private readonly Dictionary<(string Step, int Visit, int Attempt), HistoryEntry> _outcomes = [];
    private readonly List<string> _replayed = [];
    private int? _divergedAt;
    private string? _reason;

    private RoutingReplayRun(CompiledWorkflow workflow, IReadOnlyList<HistoryEntry> history)
    {
        _workflow = workflow;
        _history = history;
        foreach (var entry in history)
        {
            _outcomes[(entry.StepId, entry.Visit, entry.Attempt)] = entry;
        }
    }

    public static RunReplayResult Replay(CompiledWorkflow workflow, string runId, IReadOnlyList<HistoryEntry> history)
    {
        var run = new RoutingReplayRun(workflow, history);
        var missing = run.Drive();
        var verdict = run._divergedAt is null ? RoutingVerdict.SamePath
            : missing is null ? RoutingVerdict.Diverges
            : RoutingVerdict.NeedsUnrecordedOutcome;
        return new RunReplayResult
        {
            RunId = runId,
            Verdict = verdict,
            DivergedAtSequence = run._divergedAt,
            DivergedAtStep = run._divergedAt is { } at ? history[Math.Min(at, history.Count - 1)].StepId : null,
            Reason = run._reason,
            MissingOutcome = verdict == RoutingVerdict.NeedsUnrecordedOutcome ? missing : null,
            RecordedPath = history.Select(e => Transition(e.StepId, e.Visit, e.Attempt, e.NextStep)).ToArray(),
            ReplayedPath = run._replayed,
        };
    }

    /// <summary>Walks the edited machine; returns the attempt it needs and has no outcome for, or null.</summary>
    private string? Drive()
    {
        var visits = new int[_workflow.Steps.Length];
        var stepIndex = _workflow.Initial;
        visits[stepIndex] = 1;
        var visit = 1;
        var attempt = 1;
        var stepsTaken = 1;
        var position = 0;
        while (stepIndex >= 0)
        {
            var step = _workflow.Steps[stepIndex];
            if (_divergedAt is null)
            {
                if (position >= _history.Count)
                {
                    // The recorded run stopped here (parked, interrupted or out of budget): the paths agree so far.
                    return null;
                }

                var recorded = _history[position];
                // A parallel or map step's first entries are its units' ('step/branch'), then its join.
                var recordedStep = step.Kind is StepKind.Parallel or StepKind.Map && recorded.StepId.StartsWith(step.StepId + "/", StringComparison.Ordinal) ? step.StepId : recorded.StepId;
                if (position == 0 && !string.Equals(recordedStep, step.StepId, StringComparison.Ordinal))
                {
                    _divergedAt = 0;
                    _reason = $"the run now starts at '{step.StepId}' (was '{recorded.StepId}')";
                }
            }

            AttemptOutcome? joined = null;
            if (step.Kind is StepKind.Parallel or StepKind.Map)
            {
                if (ReplayUnits(step, visit, ref position, out var missingUnit) is { } recomputed)
                {
                    joined = recomputed;
                }
                else if (missingUnit is not null)
                {
                    return missingUnit;
                }

                // The join is one entry whatever the retries of its units: it is never retried.
                attempt = step.MaxRetries + 1;
            }

            if (!_outcomes.TryGetValue((step.StepId, visit, step.Kind is StepKind.Parallel or StepKind.Map ? 1 : attempt), out var recordedEntry))
            {
                return $"step '{step.StepId}' visit {visit} attempt {attempt}";
            }

            // The label is read again from the recorded output by the edited definition's code: a success
            // whose label the edit does not map is a failed attempt, as it would be in a live run.
            var outcome = joined ?? recordedEntry.Outcome;
            string? label = null;
            if (outcome == AttemptOutcome.Succeeded && step.HasLabels)
            {
                label = Router.Label(step, recordedEntry.Output, out var labelError);
                if (labelError is not null)
                {
                    outcome = AttemptOutcome.InvalidOutput;
                }
            }

            if (_divergedAt is null && _history[position].NextStep == "cancelled")
            {
                return null;
            }

            var target = Router.Next(_workflow, stepIndex, outcome, label, attempt, stepsTaken, out var retry, out var blocked);
            var budgetSpent = blocked != int.MinValue;

            var next = retry ? step.StepId : _workflow.TargetName(target);
            _replayed.Add(Transition(step.StepId, visit, step.Kind is StepKind.Parallel or StepKind.Map ? 1 : attempt, next));
            if (_divergedAt is null)
            {
                var recorded = _history[position];
                if (!string.Equals(recorded.NextStep, next, StringComparison.Ordinal))
                {
                    _divergedAt = position;
                    _reason = Explain(step, outcome, label, attempt, retry, budgetSpent, next, position);
                }

                position++;
            }

            if (retry)
            {
                attempt++;
                continue;
            }

            if (target < 0)
            {
                break;
            }

            stepIndex = target;
            visits[target]++;
            visit = visits[target];
            attempt = 1;
            stepsTaken++;
        }

        return null;
    }

    /// <summary>
    /// Re-drives the recorded attempts of a parallel or map step's units at <paramref name="position"/>
    /// (retries by the edited definition) and returns the join's outcome recomputed from them, or null to
    /// keep the recorded one (a map whose input gave no list, or a path that has already diverged).
    /// <paramref name="missing"/> names a branch of the edited definition with no recorded attempt.
    /// </summary>
    private AttemptOutcome? ReplayUnits(WorkflowStep step, int visit, ref int position, out string? missing)
    {
        missing = null;
        if (_divergedAt is not null)
        {
            return null;
        }

        var prefix = step.StepId + "/";
        var finals = new Dictionary<string, AttemptOutcome>(StringComparer.Ordinal);
        var ended = new HashSet<string>(StringComparer.Ordinal);
        var unknown = false;
        var mark = _replayed.Count;
        var lastOrder = 0;
        var lastName = string.Empty;
        while (position < _history.Count && _history[position].Visit == visit && _history[position].StepId.StartsWith(prefix, StringComparison.Ordinal))
        {
            var entry = _history[position];
            var name = entry.StepId[prefix.Length..];
            if (ended.Contains(name))
            {
                // The edited definition ends this unit at an earlier attempt: its later recorded attempts would not
                // happen, and are left out of the replayed path.
                position++;
                continue;
            }

            var maxRetries = step.Kind == StepKind.Map ? step.MaxRetries : step.Branches!.FirstOrDefault(b => b.Name == name)?.MaxRetries ?? 0;
            var retry = !entry.Outcome.IsSuccess() && entry.Outcome != AttemptOutcome.Cancelled && entry.Attempt <= maxRetries;
            var next = retry ? entry.StepId : step.StepId;
            _replayed.Add(Transition(entry.StepId, visit, entry.Attempt, next));
            if (!string.Equals(entry.NextStep, next, StringComparison.Ordinal))
            {
                if (_divergedAt is null)
                {
                    _divergedAt = position;
                    _reason = retry
                        ? $"'{entry.StepId}' now retries after attempt {entry.Attempt} (max_retries {maxRetries}) where it ended"
                        : $"'{entry.StepId}' now ends after attempt {entry.Attempt} (max_retries {maxRetries}) where it retried";
                }

                if (retry)
                {
                    // The unit's next attempt was never recorded: its end, and so the join's, is unknown.
                    unknown = true;
                }
                else
                {
                    ended.Add(name);
                }
            }

            var order = step.Kind == StepKind.Map
                ? (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var item) ? item : int.MaxValue)
                : step.Branches!.ToList().FindIndex(b => b.Name == name);
            if (_divergedAt is null && (order < lastOrder || order < 0))
            {
                _divergedAt = position;
                _reason = order < 0
                    ? $"'{entry.StepId}' is not a {(step.Kind == StepKind.Map ? "item" : "branch")} of '{step.StepId}' now"
                    : $"'{entry.StepId}' is recorded after '{step.StepId}/{lastName}': attempts are ordered by {(step.Kind == StepKind.Map ? "item" : "branch declaration")}, never by finish time";
            }

            lastOrder = Math.Max(lastOrder, order);
            lastName = order >= lastOrder ? name : lastName;
            finals[name] = entry.Outcome;
            position++;
        }

        if (unknown)
        {
            return null;
        }

        // A map whose edited max_items refuses the recorded list fails its attempt, as a live run would.
        if (step.Kind == StepKind.Map && finals.Count > step.MapMaxItems)
        {
            if (_divergedAt is null)
            {
                _divergedAt = position;
                _reason = $"map step '{step.StepId}' now refuses its list of {finals.Count} items (more than max_items {step.MapMaxItems})";
            }

            // No item would run: the map fails before any does.
            _replayed.RemoveRange(mark, _replayed.Count - mark);
            return AttemptOutcome.Failed;
        }

        IEnumerable<string> names;
        if (step.Kind == StepKind.Parallel)
        {
            names = step.Branches!.Select(b => b.Name);
            foreach (var name in names)
            {
                if (!finals.ContainsKey(name))
                {
                    missing = $"branch '{step.StepId}/{name}' visit {visit}";
                    return null;
                }
            }
        }
        else
        {
            if (finals.Count == 0)
            {
                return null;
            }

            names = finals.Keys;
        }

        var succeeded = names.Count(n => finals[n] == AttemptOutcome.Succeeded);
        var all = names.Count();
        return (step.Join == JoinMode.All ? succeeded == all : succeeded > 0) ? AttemptOutcome.Succeeded : AttemptOutcome.Failed;
    }

    private string Explain(WorkflowStep step, AttemptOutcome outcome, string? label, int attempt, bool retry, bool budgetSpent, string next, int position)
    {
        var recordedNext = _history[position].NextStep;
        var recordedRetry = position + 1 < _history.Count
            && string.Equals(_history[position + 1].StepId, step.StepId, StringComparison.Ordinal)
            && _history[position + 1].Attempt == attempt + 1;
        if (budgetSpent)
        {
            return $"the step budget of {_workflow.MaxSteps} step visits is spent before leaving '{step.StepId}' (the run went to '{recordedNext}')";
        }

        if (retry)
        {
            return $"'{step.StepId}' now retries after attempt {attempt} (max_retries {step.MaxRetries}) where the run went to '{recordedNext}'";
        }

        if (recordedRetry)
        {
            return $"'{step.StepId}' no longer retries after attempt {attempt} (max_retries {step.MaxRetries}): it now goes to '{next}'";
        }

        if (label is not null)
        {
            return $"label '{label}' of {step.StepId} now goes to {next} (was {recordedNext})";
        }

        // A join's outcome is computed again from its branches' or items' recorded outcomes: a changed join mode
        // changes the outcome, not a target.
        var recorded = _history[position].Outcome;
        if (step.Kind is StepKind.Parallel or StepKind.Map && outcome.IsSuccess() != recorded.IsSuccess())
        {
            var mode = step.Join == JoinMode.All ? "all" : "any";
            return $"the join of {step.StepId} (join: {mode}) now {(outcome.IsSuccess() ? "succeeds" : "fails")} where it {(recorded.IsSuccess() ? "succeeded" : "failed")}, so it goes to {next} (was {recordedNext})";
        }

        var path = outcome.IsSuccess() ? "on_success" : "on_failure";
        return $"{path} of {step.StepId} now goes to {next} (was {recordedNext})";
    }

    private static string Transition(string step, int visit, int attempt, string next) => $"{step}#{visit}.{attempt} -> {next}";
}
