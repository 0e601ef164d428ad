using System.Text.Json;
using System.Threading.Channels;

namespace Keel;

internal sealed partial class RunOwner
{
    /// <summary>
    /// Runs a parallel or map step: its units (branches, items) run concurrently, at most
    /// <see cref="WorkflowStep.MaxParallel"/> at once, each with its own retries. Every attempt is committed
    /// when it ends; the history holds them in unit order then attempt order, whatever order they finish
    /// in: an attempt that ends while an earlier unit still runs is committed as a
    /// <see cref="BranchAttemptFinished"/> event and enters the history once every earlier unit has ended.
    /// One join entry then records the step's outcome (a pure function of the units' outcomes and the
    /// join mode) and the joined output (units in order), and routes.
    /// </summary>
    private async ValueTask RunFanOutAsync(RunSession session, WorkflowStep step, CancellationToken callerToken, CancellationToken runToken)
    {
        var at = session.Position;
        var stepIndex = at.StepIndex;
        session.Context.Attempt = new AttemptInfo(session.RunId, step.StepId, at.Visit, 1, null, null);
        // The step's input, feedback and the units' starting bus are those of the step's start, also when a
        // resume finds units of this visit already in the history.
        var context = AtStepStart(session, step, at.Visit);
        context.Attempt = session.Context.Attempt;
        context.Feedback = Feedback.Find(session.Workflow, context.MutableHistory, step, at.Visit);
        session.Context.Feedback = context.Feedback;
        var started = _time.GetTimestamp();
        var startedAt = session.WallClockAt(started, _time);

        JsonElement input;
        List<FanOutUnit>? units = null;
        string? problem = null;
        try
        {
            var transformer = step.InputTransformer ?? (step.Kind == StepKind.Map && step.Input is null ? session.Workers[stepIndex]?.InputTransformer : null);
            input = transformer is not null ? KeelJson.Normalize(transformer(context))
                : step.Input is { } map ? InputMapping.Evaluate(map, context, step.StepId, at.Visit)
                : Orchestrator.DefaultInput(context, step.StepId, at.Visit);
            // A map's default input on a visit with feedback wraps a list as {input, feedback, previous_output}:
            // the items are the list it wraps (a map with items_from reads its field from the object as ever).
            var items = transformer is null && step.Input is null && step.MapItemsFrom is null && context.Feedback is not null
                && input.ValueKind == JsonValueKind.Object && input.TryGetProperty("input", out var wrapped) && wrapped.ValueKind == JsonValueKind.Array
                ? wrapped
                : input;
            units = step.Kind == StepKind.Parallel ? Branches(session, context, step, input) : Items(session, context, step, items, out problem);
        }
        catch (Exception ex)
        {
            input = default;
            problem = $"input transformer threw {ex.GetType().Name}: {ex.Message}";
        }

        if (units is not null)
        {
            Recover(session, step, units);
            if (session.FindsParkedAttempts)
            {
                session.FindsParkedAttempts = false;
                await RecoverParkedAsync(session, units).ConfigureAwait(false);
            }

            await RunUnitsAsync(session, step, units, callerToken, runToken).ConfigureAwait(false);
        }

        // The join: a pure function of the units' final outcomes, in unit order.
        var outcome = AttemptOutcome.Failed;
        JsonElement output = default;
        string? error = problem;
        string? label = null;
        if (units is not null)
        {
            var succeeded = 0;
            foreach (var unit in units)
            {
                if (unit.Final?.Outcome == AttemptOutcome.Succeeded)
                {
                    succeeded++;
                }
            }

            var joined = step.Join == JoinMode.All ? succeeded == units.Count : succeeded > 0;
            output = Joined(step, units);
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
                var failed = units.Where(u => u.Final?.Outcome != AttemptOutcome.Succeeded).Select(u => $"'{u.Name}': {u.Final?.Error ?? "cancelled"}");
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
            Sequence = session.Context.MutableHistory.Count,
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
            Data = dataChanged && _store is not null ? session.Context.Data.Snapshot() : null,
        };
        session.Context.MutableHistory.Add(entry);
        session.Position = next.AtStep || cancelled ? next : next with { Attempt = 1 };
        if (!Observed(session))
        {
            // In memory with nobody listening: the numbers the events below would have taken, and nothing to commit.
            session.ClearPendingEvents();
            session.SkipEndEvents(cancelled, next);
            return;
        }

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

    /// <summary>
    /// The run's context as it stood when the fan-out step began: the run's own context, unless units of this
    /// visit are in the history already (a resume, a takeover, a fork at the join). Then a view of the history
    /// before them and of the data bus then (the newest snapshot an entry before them carries, else the run's
    /// initial data), so the input, the feedback and every unit's starting bus are what an uninterrupted run
    /// gave them: the units already recorded have merged their data and are the last outputs by now.
    /// </summary>
    private static WorkflowContext AtStepStart(RunSession session, WorkflowStep step, int visit)
    {
        var main = session.Context;
        var history = main.MutableHistory;
        var first = history.Count;
        while (first > 0 && history[first - 1].Visit == visit && IsUnitOf(history[first - 1].StepId, step.StepId))
        {
            first--;
        }

        if (first == history.Count)
        {
            return main;
        }

        // The newest snapshot an entry before them carries, or the data the run (a fork) started from, else its initial data.
        var data = ForkBases.BusBefore(session.InitialData, history, first);
        return new WorkflowContext(main.WorkflowId, main.WorkflowName, main.Goal, new DataBus(data), history.GetRange(0, first), main.Services)
        {
            State = main.State,
            CurrentStep = main.CurrentStep,
            TotalUsage = main.TotalUsage,
        };
    }

    /// <summary>True when <paramref name="entryStepId"/> is a unit of the step (<c>{step}/{name}</c>).</summary>
    private static bool IsUnitOf(string entryStepId, string stepId)
        => entryStepId.Length > stepId.Length && entryStepId[stepId.Length] == '/' && entryStepId.StartsWith(stepId, StringComparison.Ordinal);

    private List<FanOutUnit> Branches(RunSession session, WorkflowContext start, WorkflowStep step, JsonElement input)
    {
        var workers = _hub.RegisteredWorkers;
        var baseData = start.Data.Snapshot();
        var history = HistoryAtStart(start);
        var ids = session.Workflow.BranchIds[session.Position.StepIndex]!;
        var units = new List<FanOutUnit>(step.Branches!.Count);
        for (var i = 0; i < step.Branches.Count; i++)
        {
            var branch = step.Branches[i];
            var worker = workers.TryGetValue(branch.WorkerType, out var found)
                ? found
                : throw new KeelException($"Workflow '{session.Workflow.Name}' cannot run branch '{step.StepId}/{branch.Name}': no worker is registered for worker type '{branch.WorkerType}'.");
            units.Add(Unit(start, ids[i], i, branch.Name, branch.WorkerType, worker, branch.MaxRetries, branch.Timeout, branch.RetryDelay, branch.InputTransformer, input, baseData, history));
        }

        return units;
    }

    private List<FanOutUnit>? Items(RunSession session, WorkflowContext start, WorkflowStep step, JsonElement input, out string? problem)
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
        var baseData = start.Data.Snapshot();
        var history = HistoryAtStart(start);
        var units = new List<FanOutUnit>(count);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var name = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            units.Add(Unit(start, FanOutUnit.IdOf(step.StepId, name), index, name, step.WorkerType, worker, step.MaxRetries, step.Timeout, step.RetryDelay, null, item, baseData, history));
            index++;
        }

        return units;
    }

    /// <summary>
    /// The history every unit of the step sees: the run's as the step began, copied once and shared (a unit's
    /// context only reads its history; the units' attempts are recorded in the run's own).
    /// </summary>
    private static List<HistoryEntry> HistoryAtStart(WorkflowContext start) => [.. start.MutableHistory];

    private static FanOutUnit Unit(WorkflowContext main, string unitStepId, int index, string name, WorkerType type, WorkerDefinition worker, int maxRetries, TimeSpan? timeout, TimeSpan? retryDelay, InputTransformer? transformer, JsonElement item, IReadOnlyDictionary<string, JsonElement> baseData, List<HistoryEntry> history)
    {
        var context = new WorkflowContext(main.WorkflowId, main.WorkflowName, main.Goal, new DataBus(baseData), history, main.Services)
        {
            State = main.State,
            CurrentStep = unitStepId,
            Feedback = main.Feedback,
        };
        return new FanOutUnit
        {
            Index = index,
            StepId = unitStepId,
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
        // Units are recorded as "{step}/{name}": a run that reaches the step afresh has no such entry of this
        // visit, and builds no lookup.
        Dictionary<string, FanOutUnit>? byId = null;
        var visit = session.Position.Visit;
        foreach (var entry in session.Context.MutableHistory)
        {
            if (entry.Visit != visit || !IsUnitOf(entry.StepId, step.StepId))
            {
                continue;
            }

            byId ??= units.ToDictionary(u => u.StepId, StringComparer.Ordinal);
            if (byId.TryGetValue(entry.StepId, out var unit))
            {
                unit.FirstAttempt = entry.Attempt + 1;
                unit.Final = string.Equals(entry.NextStep, step.StepId, StringComparison.Ordinal) ? entry : null;
                unit.Done = unit.Final is not null;
                unit.Ended = unit.Done;
            }
        }
    }

    /// <summary>
    /// Finds the attempts of this visit that ended and were parked before an interruption (committed as
    /// <see cref="BranchAttemptFinished"/>, not yet in the history): they wait for their place again and
    /// are not run again.
    /// </summary>
    private async ValueTask RecoverParkedAsync(RunSession session, List<FanOutUnit> units)
    {
        if (_store is null)
        {
            return;
        }

        var byId = units.ToDictionary(u => u.StepId, StringComparer.Ordinal);
        var visit = session.Position.Visit;
        const int Page = 500;
        for (long after = 0; ;)
        {
            var events = await _store.GetEventsAsync(session.RunId, after, Page, CancellationToken.None).ConfigureAwait(false);
            foreach (var e in events)
            {
                if (e is BranchAttemptFinished { Entry: var entry } parked && entry.Visit == visit && byId.TryGetValue(entry.StepId, out var unit) && entry.Attempt >= unit.FirstAttempt)
                {
                    unit.Pending.Enqueue(entry);
                    unit.FirstAttempt = entry.Attempt + 1;
                    if (!string.Equals(entry.NextStep, entry.StepId, StringComparison.Ordinal))
                    {
                        // The unit's changes, applied to the bus as it is now (earlier units may have merged theirs).
                        var final = new Dictionary<string, JsonElement>(unit.BaseData, StringComparer.Ordinal);
                        foreach (var (key, value) in parked.DataSet ?? new Dictionary<string, JsonElement>())
                        {
                            final[key] = value;
                        }

                        foreach (var key in parked.DataRemoved ?? [])
                        {
                            final.Remove(key);
                        }

                        unit.Ended = true;
                        unit.FinalData = final;
                    }
                }
            }

            if (events.Count < Page)
            {
                return;
            }

            after = events[^1].Sequence;
        }
    }

    /// <summary>An attempt a unit ended, handed to the loop that records it (the entry is built there, once its place is known).</summary>
    private sealed record UnitAttempt(FanOutUnit Unit, int Attempt, AttemptResult Result, DateTimeOffset StartedAt, TimeSpan Duration, TokenUsage? Usage, bool Retry)
    {
        public HistoryEntry Entry(RunSession session, string stepId, int sequence, IReadOnlyDictionary<string, JsonElement>? data)
            => HistoryEntries.UnitAttempt(session, Unit, Attempt, Result, StartedAt, Duration, Usage, Retry ? Unit.StepId : stepId, sequence, data);
    }

    private static readonly UnboundedChannelOptions OneReader = new() { SingleReader = true };

    private async ValueTask RunUnitsAsync(RunSession session, WorkflowStep step, List<FanOutUnit> units, CancellationToken callerToken, CancellationToken runToken)
    {
        var finished = Channel.CreateUnbounded<UnitAttempt>(OneReader);
        var toRun = 0;
        foreach (var unit in units)
        {
            toRun += unit.Ended ? 0 : 1;
        }

        // A gate only when max_parallel holds some units back.
        using var gate = step.MaxParallel is { } limit && limit < toRun ? new SemaphoreSlim(limit) : null;
        var running = new List<Task>(toRun);
        foreach (var unit in units)
        {
            if (!unit.Ended)
            {
                running.Add(RunUnitAsync(session, unit, gate, finished.Writer, callerToken, runToken));
            }
        }

        // Units whose workers completed at once have all ended here: then nothing is left to wait for.
        Task? all = null;
        if (AllCompletedSuccessfully(running))
        {
            finished.Writer.TryComplete();
        }
        else
        {
            all = Task.WhenAll(running);
            if (all.IsCompleted)
            {
                finished.Writer.TryComplete();
            }
            else
            {
                _ = all.ContinueWith(static (_, writer) => ((ChannelWriter<UnitAttempt>)writer!).TryComplete(), finished.Writer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        // Only this loop touches the run's context and the store. The history takes attempts in unit order:
        // the head unit's attempts enter it as they end; a later unit's are parked (committed as an event)
        // and enter it once every earlier unit has ended.
        var next = 0;
        await PlaceReadyAsync(session, step, units, next).ConfigureAwait(false);
        next = Head(units);
        var reader = finished.Reader;
        while (true)
        {
            // What ReadAllAsync does, without its enumerator: take what is there, else wait for more or the end.
            if (!reader.TryRead(out var ended))
            {
                if (!await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var unit = ended.Unit;
            if (unit.Index != units[next].Index)
            {
                var entry = ended.Entry(session, step.StepId, -1, null);
                await ParkUnitAttemptAsync(session, unit, entry).ConfigureAwait(false);
                unit.Pending.Enqueue(entry);
            }
            else
            {
                // The head unit: its earlier attempts are in the history already (placed when it became the head).
                await CommitUnitAttemptAsync(session, step, unit, !ended.Retry, ended.Usage, null, ended).ConfigureAwait(false);
            }

            await PlaceReadyAsync(session, step, units, next).ConfigureAwait(false);
            next = Head(units);
        }

        if (all is null)
        {
            return;
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

    private static bool AllCompletedSuccessfully(List<Task> tasks)
    {
        foreach (var task in tasks)
        {
            if (!task.IsCompletedSuccessfully)
            {
                return false;
            }
        }

        return true;
    }

    private async Task RunUnitAsync(RunSession session, FanOutUnit unit, SemaphoreSlim? gate, ChannelWriter<UnitAttempt> finished, CancellationToken callerToken, CancellationToken runToken)
    {
        if (gate is not null)
        {
            await gate.WaitAsync(runToken).ConfigureAwait(false);
        }
        else
        {
            runToken.ThrowIfCancellationRequested();
        }

        try
        {
            var context = unit.Context;
            string? previousError = null;
            AttemptOutcome? previousOutcome = null;
            for (var attempt = unit.FirstAttempt; ; attempt++)
            {
                context.Attempt = new AttemptInfo(session.RunId, unit.StepId, session.Position.Visit, attempt, previousError, previousOutcome);
                // The wall clock from the process's anchor and this read (thread-safe: units may run at once).
                var started = _time.GetTimestamp();
                var startedAt = session.WallClockAt(started, _time);
                AttemptResult result;
                JsonElement input;
                try
                {
                    var transformer = unit.InputTransformer ?? unit.Worker.InputTransformer;
                    // Without a transformer: the item of a map step, the parallel step's input for a branch (computed
                    // once when the step began: the run's history moves on as earlier attempts are recorded).
                    input = transformer is not null ? KeelJson.Normalize(transformer(context)) : unit.Item;
                    result = await _hub.CallWorkerAsync(session, context, unit.StepId, unit.Timeout, unit.Worker, input, callerToken, runToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !callerToken.IsCancellationRequested)
                {
                    result = AttemptResult.Failure(AttemptOutcome.Failed, default, $"input transformer threw {ex.GetType().Name}: {ex.Message}");
                }

                var retry = !result.Outcome.IsSuccess() && result.Outcome != AttemptOutcome.Cancelled && attempt <= unit.MaxRetries;
                var duration = _time.GetElapsedTime(started);
                if (!retry)
                {
                    // A unit whose bus is unchanged (its version still 0) has nothing to merge.
                    unit.FinalData = context.Data.Version == 0 ? null : context.Data.Snapshot();
                }

                finished.TryWrite(new UnitAttempt(unit, attempt, result, startedAt, duration, context.TakeAttemptUsage(), retry));
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
            gate?.Release();
        }
    }

    /// <summary>The first unit whose last attempt is not yet in the history (the count when all are).</summary>
    private static int Head(List<FanOutUnit> units)
    {
        var head = 0;
        while (head < units.Count && units[head].Done)
        {
            head++;
        }

        return Math.Min(head, units.Count - 1);
    }

    /// <summary>Moves parked attempts into the history, from the head unit on, while the head unit has ended.</summary>
    private async ValueTask PlaceReadyAsync(RunSession session, WorkflowStep step, List<FanOutUnit> units, int from)
    {
        for (var i = from; i < units.Count; i++)
        {
            var head = units[i];
            while (head.HasPending && head.Pending.TryDequeue(out var ready))
            {
                var last = !string.Equals(ready.NextStep, head.StepId, StringComparison.Ordinal);
                await CommitUnitAttemptAsync(session, step, head, last, ready.Usage, ready, null).ConfigureAwait(false);
            }

            if (!head.Done)
            {
                return;
            }
        }
    }

    /// <summary>Commits an attempt that ended before an earlier unit did, as an event: durable now, in the history later.</summary>
    private async ValueTask ParkUnitAttemptAsync(RunSession session, FanOutUnit unit, HistoryEntry entry)
    {
        var last = !string.Equals(entry.NextStep, unit.StepId, StringComparison.Ordinal);
        Dictionary<string, JsonElement>? set = null;
        List<string>? removed = null;
        if (last && unit.FinalData is { } final)
        {
            foreach (var (key, value) in final)
            {
                if (!unit.BaseData.TryGetValue(key, out var before) || !JsonElement.DeepEquals(before, value))
                {
                    (set ??= new(StringComparer.Ordinal))[key] = value;
                }
            }

            foreach (var key in unit.BaseData.Keys)
            {
                if (!final.ContainsKey(key))
                {
                    (removed ??= []).Add(key);
                }
            }
        }

        var parked = new BranchAttemptFinished
        {
            RunId = session.RunId,
            Sequence = session.NextEvent(),
            Timestamp = entry.Timestamp + entry.Duration,
            Entry = entry,
            DataSet = set,
            DataRemoved = removed,
        };
        await CommitAsync(session, null, DataChanged(session), [parked]).ConfigureAwait(false);
    }

    /// <summary>
    /// Records one unit attempt in the run's history (a parked entry, or the attempt just ended, whose entry
    /// is built here with its place); its last attempt also merges the unit's data bus.
    /// </summary>
    private async ValueTask CommitUnitAttemptAsync(RunSession session, WorkflowStep step, FanOutUnit unit, bool last, TokenUsage? usage, HistoryEntry? parked, UnitAttempt? ended)
    {
        var context = session.Context;
        if (last)
        {
            MergeData(context.Data, unit.BaseData, unit.FinalData);
            unit.Done = true;
        }

        if (usage is not null)
        {
            context.CountUsage(usage);
        }

        var dataChanged = DataChanged(session);
        var data = dataChanged && _store is not null ? context.Data.Snapshot() : null;
        var recorded = parked is not null
            ? parked with { Sequence = context.MutableHistory.Count, Data = data }
            : ended!.Entry(session, step.StepId, context.MutableHistory.Count, data);
        context.MutableHistory.Add(recorded);
        if (last)
        {
            unit.Final = recorded;
        }

        if (Observed(session))
        {
            await CommitAsync(session, recorded, dataChanged, [AttemptRecorded.For(recorded, session.NextEvent())]).ConfigureAwait(false);
        }
        else
        {
            // In memory with nobody listening: the number the event would have taken, and nothing to commit.
            session.NextEvent();
        }
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

    private static readonly JsonEncodedText ItemName = JsonEncodedText.Encode("item");
    private static readonly JsonEncodedText BranchName = JsonEncodedText.Encode("branch");
    private static readonly JsonEncodedText OutcomeName = JsonEncodedText.Encode("outcome");
    private static readonly JsonEncodedText OutputName = JsonEncodedText.Encode("output");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");

    /// <summary>
    /// The joined output: the units in order, each <c>{"branch": name}</c> or <c>{"item": index}</c>, its
    /// outcome, and its output (when it succeeded) or error. Written straight to JSON (one document), not
    /// built as dictionaries for the serializer.
    /// </summary>
    private static JsonElement Joined(WorkflowStep step, List<FanOutUnit> units)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + (units.Count * 64));
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var unit in units)
            {
                var final = unit.Final;
                writer.WriteStartObject();
                if (step.Kind == StepKind.Map)
                {
                    writer.WriteNumber(ItemName, unit.Index);
                }
                else
                {
                    writer.WriteString(BranchName, unit.Name);
                }

                writer.WriteString(OutcomeName, StableNames.Of(final?.Outcome ?? AttemptOutcome.Cancelled));
                if (final?.Outcome == AttemptOutcome.Succeeded)
                {
                    writer.WritePropertyName(OutputName);
                    if (final.Output.ValueKind == JsonValueKind.Undefined)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        final.Output.WriteTo(writer);
                    }
                }
                else
                {
                    writer.WriteString(ErrorName, final?.Error ?? "cancelled");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return JsonElement.Parse(buffer.WrittenSpan);
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
