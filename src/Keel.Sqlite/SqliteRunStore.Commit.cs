using Keel.Sqlite.Rows;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Writing;

namespace Keel;

public sealed partial class SqliteRunStore
{
    // The run's row (fence, lease, state, totals) and its newest history row, which carries the position and
    // running totals when the run's last checkpoint was an ordinary one.
    private const string SelectPosition = $"""
        SELECT r.fence, r.lease_owner, r.lease_expires, r.state, r.history_count, r.size_bytes, r.input_tokens,
            r.output_tokens, r.cost, h.entry_key, h.pos_step IS NOT NULL, h.pos_bus, h.total_count, h.total_bytes,
            h.total_input, h.total_output, h.total_cost, r.run_key, {RunRows.NewestEvent}, r.control, h.sequence, {RunRows.NextRow}
        FROM runs r LEFT JOIN history h ON h.entry_key = ({RunRows.NewestEntryKey})
        WHERE r.run_id = ?1;
        """;

    // Rewrites the run's row with the position, data bus and totals (taking the data bus from the history row
    // holding it when the checkpoint brings none).
    private const string UpdateRun = """
        UPDATE runs SET state = $state, current_step = $current_step, visit = $visit, attempt = $attempt,
            steps_taken = $steps_taken, error = $error, updated_at = $updated_at,
            size_bytes = $size_bytes + CASE WHEN $data IS NULL THEN 0 ELSE length(CAST($data AS BLOB)) - length(CAST(data AS BLOB)) END,
            data = COALESCE($data, (SELECT h.data FROM history h WHERE h.entry_key = $bus_key), data),
            lease_owner = CASE WHEN $release THEN NULL ELSE lease_owner END,
            lease_expires = CASE WHEN $release THEN NULL ELSE COALESCE($lease_expires, lease_expires) END, history_count = $history_count,
            input_tokens = $input_tokens, output_tokens = $output_tokens, cost = $cost,
            control = CASE WHEN $clear_control THEN NULL ELSE control END,
            control_by = CASE WHEN $clear_control THEN NULL ELSE control_by END,
            control_reason = CASE WHEN $clear_control THEN NULL ELSE control_reason END
        WHERE run_id = $run_id;
        """;

    private const string ClearPosition = "UPDATE history SET pos_step = NULL WHERE entry_key = $entry_key;";

    /// <inheritdoc />
    public ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var events = EventRows.Prepare(checkpoint.Events);
        var row = checkpoint.Entry is { } entry ? HistoryRows.Prepare(entry) : null;
        var data = checkpoint.Data switch
        {
            null => null,
            var snapshot when row is not null && ReferenceEquals(snapshot, row.Entry.Data) => row.Data,
            var snapshot => DataText.Write(snapshot),
        };
        return new(WriteAsync(session => Commit(session, checkpoint, data, row, events)));
    }

    /// <summary>
    /// Commits a checkpoint. An ordinary one (an entry, the state unchanged, the data bus unchanged or the
    /// entry's own snapshot, the lease far enough from expiry) inserts only the history row, carrying the
    /// position and totals; any other rewrites the run's row too.
    /// </summary>
    private static RunControl Commit(WriteSession session, Checkpoint checkpoint, string? data, PreparedEntry? row, IReadOnlyList<RunEvent> events)
    {
        var tail = session.Tails.TryGet(checkpoint.RunId, out var known) ? known : ReadTail(session, checkpoint.RunId);
        var (runKey, fence, owner, expires, state, newest, newestHasPosition, bus, totals, lastEvent, control, newestSequence, nextRow) = tail;
        if (fence != checkpoint.Fence)
        {
            throw new RunOwnedElsewhereException(checkpoint.RunId, owner, expires is { } e ? Names.Time(e) : null);
        }

        var firstEvent = lastEvent + 1;
        if (events.Count > 0)
        {
            var first = events[0].Sequence;
            if (first <= lastEvent)
            {
                // A repeat of a committed checkpoint (its acknowledgement was lost): already written.
                return control;
            }

            if (first != firstEvent)
            {
                throw new KeelException($"Run '{checkpoint.RunId}': the checkpoint's first event is #{first}, but the run's newest is #{lastEvent} (events are numbered without gaps).");
            }

            lastEvent += events.Count;
        }

        if (row is not null)
        {
            if (row.Entry.Sequence <= newestSequence)
            {
                throw new KeelException($"Run '{checkpoint.RunId}': history entry {row.Entry.Sequence} is not after the run's newest recorded entry, {newestSequence} (entries are recorded in order, once).");
            }

            var usage = row.Entry.Usage;
            totals = new RunTotals(
                totals.Count + 1,
                totals.Bytes + row.Bytes + DataText.Bytes(checkpoint.RunId),
                totals.InputTokens + (usage?.InputTokens ?? 0),
                totals.OutputTokens + (usage?.OutputTokens ?? 0),
                usage?.Cost is { } added ? (totals.Cost ?? 0) + added : totals.Cost);
        }

        var newState = Names.Of(checkpoint.State);
        var ordinary = row is not null
            && !checkpoint.ReleasesLease
            && !checkpoint.ClearsControl
            && newState == state
            && (data is null || ReferenceEquals(data, row.Data))
            && !ExtendsLease(checkpoint, owner, expires);
        if (ordinary)
        {
            // The entry's row, then its events' rows, after the run's last row.
            var key = HistoryRows.Key(runKey, checkpoint.RunId, nextRow);
            var newBus = data is null ? bus : nextRow;
            var carried = totals with { Bytes = totals.Bytes + HistoryRows.PositionBytes };
            var insert = session.Statement(HistoryRows.InsertWithPosition);
            HistoryRows.BindWithPosition(insert, checkpoint, row!, key, newBus, carried);
            insert.Run();
            EventRows.Write(session, runKey, checkpoint.RunId, firstEvent, events, nextRow + 1);

            // The new row is now the run's newest and carries the totals.
            session.Tails.Set(checkpoint.RunId, tail with
            {
                Newest = key,
                NewestHasPosition = true,
                Bus = newBus,
                Totals = carried,
                LastEvent = lastEvent,
                NewestSequence = row!.Entry.Sequence,
                NextRow = nextRow + 1 + events.Count,
            });
            return control;
        }

        session.Tails.Forget(checkpoint.RunId);

        var u = session.Script(UpdateRun);
        u.Set("$run_id", checkpoint.RunId);
        u.Set("$state", newState);
        u.Set("$current_step", checkpoint.CurrentStep);
        u.Set("$visit", checkpoint.Visit);
        u.Set("$attempt", checkpoint.Attempt);
        u.Set("$steps_taken", checkpoint.StepsTaken);
        u.Set("$error", Names.Db(checkpoint.Error));
        u.Set("$data", Names.Db(data));
        u.Set("$bus_key", bus is { } b ? runKey * SqliteSchema.EntriesPerRun + b : DBNull.Value);
        u.Set("$updated_at", Names.Ticks(checkpoint.UpdatedAt));
        u.Set("$lease_expires", Names.Ticks(checkpoint.LeaseExpires));
        u.Set("$release", checkpoint.ReleasesLease ? 1 : 0);
        u.Set("$history_count", totals.Count);
        u.Set("$size_bytes", totals.Bytes);
        u.Set("$input_tokens", totals.InputTokens);
        u.Set("$output_tokens", totals.OutputTokens);
        u.Set("$cost", Names.Text(totals.Cost));
        u.Set("$clear_control", checkpoint.ClearsControl ? 1 : 0);
        u.Run();
        if (row is not null)
        {
            var insert = session.Script(HistoryRows.Insert);
            HistoryRows.Bind(insert, checkpoint.RunId, runKey, row, nextRow);
            insert.Run();
        }
        else if (newestHasPosition)
        {
            // The run's row now holds the position: the newest history row must no longer claim it.
            var clear = session.Command(ClearPosition);
            clear.Parameters.Set("$entry_key", newest!.Value);
            clear.ExecuteNonQuery();
        }

        EventRows.Write(session, runKey, checkpoint.RunId, firstEvent, events, nextRow + (row is null ? 0 : 1));

        return checkpoint.ClearsControl ? RunControl.None : control;
    }

    /// <summary>Reads what a commit needs to know of a run: its fence, lease, state, newest row and running totals.</summary>
    private static RunTail ReadTail(WriteSession session, string runId)
    {
        var select = session.Statement(SelectPosition);
        select.Bind(1, runId);
        if (!select.Step())
        {
            throw new RunNotFoundException(runId);
        }

        try
        {
            var newest = select.NullableInt64(9);
            var newestHasPosition = newest is not null && select.Int64(10) != 0;
            var from = newestHasPosition ? 12 : 4;
            return new RunTail(
                RunKey: select.Int64(17),
                Fence: select.Int64(0),
                Owner: select.Text(1),
                Expires: select.NullableInt64(2),
                State: select.Text(3)!,
                Newest: newest,
                NewestHasPosition: newestHasPosition,
                Bus: newestHasPosition ? select.NullableInt64(11) : null,
                Totals: new RunTotals(select.Int64(from), select.Int64(from + 1), select.Int64(from + 2), select.Int64(from + 3), Names.Decimal(select.Text(from + 4))),
                LastEvent: select.Int64(18),
                Control: Names.Control(select.Text(19)),
                NewestSequence: select.NullableInt64(20) ?? -1,
                NextRow: select.Int64(21));
        }
        finally
        {
            select.Reset();
        }
    }

    /// <summary>
    /// True when the checkpoint's lease expiry must be written now: the lease is not held, or less than half
    /// of the term the checkpoint asks for remains. Otherwise the holder's heartbeat (every third of the term)
    /// keeps it, and the commit leaves the run's row alone.
    /// </summary>
    private static bool ExtendsLease(Checkpoint checkpoint, string? owner, long? expires)
    {
        if (checkpoint.LeaseExpires is not { } wanted)
        {
            return false;
        }

        if (owner is null || expires is not { } current)
        {
            return true;
        }

        var now = Names.Ticks(checkpoint.UpdatedAt);
        return (current - now) * 2 < Names.Ticks(wanted) - now;
    }
}
