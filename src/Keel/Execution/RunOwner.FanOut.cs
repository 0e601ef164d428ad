using System.Text.Json;
using System.Threading.Channels;

namespace Keel;

internal sealed partial class RunOwner
{
    /// <summary>
    /// Runs a parallel or map step: its units (branches, items) run concurrently, at most
    /// <see cref="WorkflowStep.MaxParallel"/> at once, each with its own retries. Attempts are committed in
    /// unit order then attempt order, whatever order they finish in: a unit's attempts wait until every
    /// earlier unit has ended. One join entry then records the step's outcome (a pure function of the
    /// units' outcomes and the join mode) and the joined output (units in order), and routes.
    /// </summary>
    private async ValueTask RunFanOutAsync(RunSession session, WorkflowStep step, CancellationToken callerToken, CancellationToken runToken)
    {
        var context = session.Context;
        var at = session.Position;
        var stepIndex = at.StepIndex;
        context.Attempt = new AttemptInfo(session.RunId, step.StepId, at.Visit, 1, null, null);
        context.Feedback = Feedback.Find(session.Workflow, context.MutableHistory, step, at.Visit);
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();

        JsonElement input;
        List<FanOutUnit>? units = null;
        string? problem = null;
        try
        {
            var transformer = step.InputTransformer ?? (step.Kind == StepKind.Map ? session.Workers[stepIndex]?.InputTransformer : null);
            input = transformer is null ? Orchestrator.DefaultInput(context, step.StepId, at.Visit) : KeelJson.Normalize(transformer(context));
            units = step.Kind == StepKind.Parallel ? Branches(session, step) : Items(session, step, input, out problem);
        }
        catch (Exception ex)
        {
            input = default;
            problem = $"input transformer threw {ex.GetType().Name}: {ex.Message}";
        }

        if (units is not null)
        {
            Recover(session, step, units);
            await RunUnitsAsync(session, step, units, callerToken, runToken).ConfigureAwait(false);
        }

        // The join: a pure function of the units' final outcomes, in unit order.
        var outcome = AttemptOutcome.Failed;
        JsonElement output = default;
        string? error = problem;
        string? label = null;
        if (units is not null)
        {
            var succeeded = units.Count(u => u.Final?.Outcome == AttemptOutcome.Succeeded);
            var joined = step.Join == JoinMode.All ? succeeded == units.Count : succeeded > 0;
            output = KeelJson.Normalize(units.Select(u => Joined(step, u)).ToList());
            var failed = units.Where(u => u.Final?.Outcome != AttemptOutcome.Succeeded).Select(u => $"'{u.Name}': {u.Final?.Error ?? "cancelled"}").ToList();
            if (joined)
            {
                outcome = AttemptOutcome.Succeeded;
                label = Router.Label(step, output, out var labelError);
                if (labelError is not null)
                {
                    outcome = AttemptOutcome.InvalidOutput;
                    error = labelError;
                }
            }
            else
            {
                error = $"{(step.Join == JoinMode.All ? "not every" : "no")} {(step.Kind == StepKind.Map ? "item" : "branch")} succeeded: {string.Join("; ", failed)}";
            }
        }

        var cancelled = session.CancelRequested;
        var dataChanged = DataChanged(session);
        var joinAt = at with { Attempt = step.MaxRetries + 1 };
        var next = cancelled
            ? Router.Cancelled(at, CancelReason(session))
            : Router.After(session.Workflow, joinAt, outcome, label, session.Visits, $"step '{step.StepId}' failed: {error}", out _);
        var entry = new HistoryEntry
        {
            RunId = session.RunId,
            Sequence = context.MutableHistory.Count,
            StepId = step.StepId,
            WorkerType = step.WorkerType,
            WorkerName = "join",
            Visit = at.Visit,
            Attempt = 1,
            Outcome = outcome,
            Input = input,
            Output = output,
            Error = outcome.IsSuccess() ? null : error,
            Timestamp = startedAt,
            Duration = _time.GetElapsedTime(started),
            NextStep = cancelled ? "cancelled" : next.Step,
            Data = dataChanged && _store is not null ? context.Data.Snapshot() : null,
        };
        context.MutableHistory.Add(entry);
        session.Position = next.AtStep || cancelled ? next : next with { Attempt = 1 };
        RunEvent recorded = AttemptRecorded.For(entry, session.NextEvent());
        if (cancelled)
        {
            await CommitAsync(session, entry, dataChanged, [recorded, CancelEvent(session), Ended(session)], clearsControl: true).ConfigureAwait(false);
        }
        else if (next.AtStep)
        {
            await CommitAsync(session, entry, dataChanged, [recorded]).ConfigureAwait(false);
        }
        else
        {
            await CommitAsync(session, entry, dataChanged, [recorded, Ended(session)]).ConfigureAwait(false);
        }
    }

    private List<FanOutUnit> Branches(RunSession session, WorkflowStep step)
    {
        var workers = _hub.RegisteredWorkers;
        var units = new List<FanOutUnit>(step.Branches!.Count);
        for (var i = 0; i < step.Branches.Count; i++)
        {
            var branch = step.Branches[i];
            var worker = workers.TryGetValue(branch.WorkerType, out var found)
                ? found
                : throw new KeelException($"Workflow '{session.Workflow.Name}' cannot run branch '{step.StepId}/{branch.Name}': no worker is registered for worker type '{branch.WorkerType}'.");
            units.Add(Unit(session, step, i, branch.Name, branch.WorkerType, worker, branch.MaxRetries, branch.Timeout, branch.RetryDelay, branch.InputTransformer, default));
        }

        return units;
    }

    private List<FanOutUnit>? Items(RunSession session, WorkflowStep step, JsonElement input, out string? problem)
    {
        problem = null;
        var list = input;
        if (step.MapItemsFrom is { } field)
        {
            if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty(field, out list))
            {
                problem = $"map step '{step.StepId}': the input has no '{field}' field to take the list from (it is {Kind(input)})";
                return null;
            }
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            problem = $"map step '{step.StepId}': {(step.MapItemsFrom is { } from ? $"the input's '{from}'" : "the input")} is {Kind(list)}, not a list";
            return null;
        }

        var count = list.GetArrayLength();
        if (count > step.MapMaxItems)
        {
            problem = $"map step '{step.StepId}': the list has {count} items, more than max_items {step.MapMaxItems}";
            return null;
        }

        var worker = session.Workers[session.Position.StepIndex]!;
        var units = new List<FanOutUnit>(count);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            units.Add(Unit(session, step, index, index.ToString(System.Globalization.CultureInfo.InvariantCulture), step.WorkerType, worker, step.MaxRetries, step.Timeout, step.RetryDelay, null, item));
            index++;
        }

        return units;
    }

    private FanOutUnit Unit(RunSession session, WorkflowStep step, int index, string name, WorkerType type, WorkerDefinition worker, int maxRetries, TimeSpan? timeout, TimeSpan? retryDelay, InputTransformer? transformer, JsonElement item)
    {
        var main = session.Context;
        var baseData = main.Data.Snapshot();
        var context = new WorkflowContext(main.WorkflowId, main.WorkflowName, main.Goal, new DataBus(baseData), [.. main.MutableHistory], main.Services)
        {
            State = main.State,
            CurrentStep = step.StepId + "/" + name,
            Feedback = main.Feedback,
        };
        return new FanOutUnit
        {
            Index = index,
            StepId = step.StepId + "/" + name,
            Name = name,
            WorkerType = type,
            Worker = worker,
            MaxRetries = maxRetries,
            Timeout = timeout,
            RetryDelay = retryDelay,
            InputTransformer = transformer,
            Item = item,
            Context = context,
            BaseData = baseData,
        };
    }

    /// <summary>Finds the attempts of this visit recorded before an interruption: ended units are not run again.</summary>
    private static void Recover(RunSession session, WorkflowStep step, List<FanOutUnit> units)
    {
        var byId = units.ToDictionary(u => u.StepId, StringComparer.Ordinal);
        foreach (var entry in session.Context.MutableHistory)
        {
            if (entry.Visit == session.Position.Visit && byId.TryGetValue(entry.StepId, out var unit))
            {
                unit.FirstAttempt = entry.Attempt + 1;
                unit.Final = string.Equals(entry.NextStep, step.StepId, StringComparison.Ordinal) ? entry : null;
                unit.Done = unit.Final is not null;
            }
        }
    }

    private async ValueTask RunUnitsAsync(RunSession session, WorkflowStep step, List<FanOutUnit> units, CancellationToken callerToken, CancellationToken runToken)
    {
        var finished = Channel.CreateUnbounded<(FanOutUnit Unit, HistoryEntry Entry)>(new UnboundedChannelOptions { SingleReader = true });
        using var gate = new SemaphoreSlim(step.MaxParallel ?? Math.Max(1, units.Count));
        var running = new List<Task>();
        foreach (var unit in units)
        {
            if (unit.Final is null)
            {
                running.Add(RunUnitAsync(session, step, unit, gate, finished.Writer, callerToken, runToken));
            }
        }

        var all = Task.WhenAll(running);
        _ = all.ContinueWith(static (_, writer) => ((ChannelWriter<(FanOutUnit, HistoryEntry)>)writer!).TryComplete(), finished.Writer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        // Only this loop touches the run's context and the store: attempts are committed in unit order.
        var next = 0;
        while (next < units.Count && units[next].Done)
        {
            next++;
        }

        await foreach (var (unit, entry) in finished.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            unit.Pending.Enqueue(entry);
            while (next < units.Count)
            {
                var head = units[next];
                while (head.Pending.TryDequeue(out var ready))
                {
                    await CommitUnitAttemptAsync(session, head, ready).ConfigureAwait(false);
                }

                if (!head.Done)
                {
                    break;
                }

                next++;
            }
        }

        try
        {
            await all.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.CancelRequested && !callerToken.IsCancellationRequested)
        {
            // Cancelled while units waited for a slot or a retry: the join records the cancellation.
        }
    }

    private async Task RunUnitAsync(RunSession session, WorkflowStep step, FanOutUnit unit, SemaphoreSlim gate, ChannelWriter<(FanOutUnit, HistoryEntry)> finished, CancellationToken callerToken, CancellationToken runToken)
    {
        await gate.WaitAsync(runToken).ConfigureAwait(false);
        try
        {
            var context = unit.Context;
            string? previousError = null;
            AttemptOutcome? previousOutcome = null;
            for (var attempt = unit.FirstAttempt; ; attempt++)
            {
                context.Attempt = new AttemptInfo(session.RunId, unit.StepId, session.Position.Visit, attempt, previousError, previousOutcome);
                var startedAt = _time.GetUtcNow();
                var started = _time.GetTimestamp();
                AttemptResult result;
                JsonElement input;
                try
                {
                    var transformer = unit.InputTransformer ?? unit.Worker.InputTransformer;
                    input = transformer is not null ? KeelJson.Normalize(transformer(context))
                        : step.Kind == StepKind.Map ? unit.Item
                        : Orchestrator.DefaultInput(session.Context, step.StepId, session.Position.Visit);
                    result = await _hub.CallWorkerAsync(session, context, unit.StepId, unit.Timeout, unit.Worker, input, callerToken, runToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !callerToken.IsCancellationRequested)
                {
                    result = AttemptResult.Failure(AttemptOutcome.Failed, default, $"input transformer threw {ex.GetType().Name}: {ex.Message}");
                }

                var retry = !result.Outcome.IsSuccess() && result.Outcome != AttemptOutcome.Cancelled && attempt <= unit.MaxRetries;
                var entry = new HistoryEntry
                {
                    RunId = session.RunId,
                    Sequence = -1,
                    StepId = unit.StepId,
                    WorkerType = unit.WorkerType,
                    WorkerName = unit.Worker.Name,
                    Visit = session.Position.Visit,
                    Attempt = attempt,
                    Outcome = result.Outcome,
                    Input = result.Input,
                    Output = result.Output,
                    Error = result.Error,
                    Timestamp = startedAt,
                    Duration = _time.GetElapsedTime(started),
                    Usage = context.TakeAttemptUsage(),
                    NextStep = retry ? unit.StepId : step.StepId,
                };
                if (!retry)
                {
                    unit.FinalData = context.Data.Snapshot();
                }

                finished.TryWrite((unit, entry));
                if (!retry)
                {
                    return;
                }

                previousError = result.Error;
                previousOutcome = result.Outcome;
                if (unit.DelayBeforeRetry(attempt) is { } delay && delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, runToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Records one unit attempt in the run's history; its last attempt also merges the unit's data bus.</summary>
    private async ValueTask CommitUnitAttemptAsync(RunSession session, FanOutUnit unit, HistoryEntry entry)
    {
        var context = session.Context;
        var last = !string.Equals(entry.NextStep, unit.StepId, StringComparison.Ordinal);
        if (last)
        {
            MergeData(context.Data, unit.BaseData, unit.FinalData);
            unit.Done = true;
        }

        if (entry.Usage is { } usage)
        {
            context.TotalUsage = context.TotalUsage is null ? usage : context.TotalUsage.Add(usage);
        }

        var dataChanged = DataChanged(session);
        var recorded = entry with
        {
            Sequence = context.MutableHistory.Count,
            Data = dataChanged && _store is not null ? context.Data.Snapshot() : null,
        };
        context.MutableHistory.Add(recorded);
        if (last)
        {
            unit.Final = recorded;
        }

        await CommitAsync(session, recorded, dataChanged, [AttemptRecorded.For(recorded, session.NextEvent())]).ConfigureAwait(false);
    }

    /// <summary>Applies what a unit changed on its copy of the bus (sets and removals) to the run's bus.</summary>
    private static void MergeData(DataBus target, IReadOnlyDictionary<string, JsonElement> baseData, IReadOnlyDictionary<string, JsonElement>? unitData)
    {
        if (unitData is null)
        {
            return;
        }

        foreach (var (key, value) in unitData)
        {
            if (!baseData.TryGetValue(key, out var before) || !JsonElement.DeepEquals(before, value))
            {
                target.Set(key, value);
            }
        }

        foreach (var key in baseData.Keys)
        {
            if (!unitData.ContainsKey(key))
            {
                target.Remove(key);
            }
        }
    }

    private static Dictionary<string, object?> Joined(WorkflowStep step, FanOutUnit unit)
    {
        var final = unit.Final;
        var value = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (step.Kind == StepKind.Map)
        {
            value["item"] = unit.Index;
        }
        else
        {
            value["branch"] = unit.Name;
        }

        value["outcome"] = StableNames.Of(final?.Outcome ?? AttemptOutcome.Cancelled);
        if (final?.Outcome == AttemptOutcome.Succeeded)
        {
            value["output"] = final.Output;
        }
        else
        {
            value["error"] = final?.Error ?? "cancelled";
        }

        return value;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "empty",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };
}
