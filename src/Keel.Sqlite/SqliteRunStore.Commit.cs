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
            h.total_input, h.total_output, h.total_cost, r.run_key
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
            input_tokens = $input_tokens, output_tokens = $output_tokens, cost = $cost
        WHERE run_id = $run_id;
        """;

    // An ordinary checkpoint in one statement: the entry's row with the position, its running totals taken
    // from the newest row carrying them (or the run's row), inserted only when the fence, the state and the
    // lease allow it. Bound as HistoryRows.BindEntry (1 to 19) and BindPosition (20 to 25), then: 26 the
    // data bus's row when the entry brings it (else the newest row's), 27 to 29 the bytes and tokens the
    // entry adds, 30 the fence, 31 the state, 32 the lease expiry asked for. Inserts nothing (and the commit
    // takes the general path) when any condition fails.
    private const string AppendOrdinary = $"""
        INSERT INTO history ({HistoryRows.Columns}, pos_step, pos_visit, pos_attempt, pos_steps, pos_error, pos_updated, pos_bus,
            total_count, total_bytes, total_input, total_output, total_cost, entry_key)
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
            ?20, ?21, ?22, ?23, ?24, ?25, COALESCE(?26, h.pos_bus),
            CASE WHEN h.entry_key IS NULL THEN r.history_count ELSE h.total_count END + 1,
            CASE WHEN h.entry_key IS NULL THEN r.size_bytes ELSE h.total_bytes END + ?27,
            CASE WHEN h.entry_key IS NULL THEN r.input_tokens ELSE h.total_input END + ?28,
            CASE WHEN h.entry_key IS NULL THEN r.output_tokens ELSE h.total_output END + ?29,
            CASE WHEN h.entry_key IS NULL THEN r.cost ELSE h.total_cost END,
            r.run_key * {SqliteSchema.Scale} + ?2
        FROM runs r LEFT JOIN history h ON h.entry_key = ({RunRows.NewestEntryKey}) AND h.pos_step IS NOT NULL
        WHERE r.run_id = ?1 AND r.fence = ?30 AND r.state = ?31
            AND (?32 IS NULL OR (r.lease_owner IS NOT NULL AND r.lease_expires IS NOT NULL AND (r.lease_expires - ?25) * 2 >= ?32 - ?25));
        """;

    private const string ClearPosition = "UPDATE history SET pos_step = NULL WHERE entry_key = $entry_key;";

    public ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var row = checkpoint.Entry is { } entry ? HistoryRows.Prepare(entry) : null;
        var data = checkpoint.Data switch
        {
            null => null,
            var snapshot when row is not null && ReferenceEquals(snapshot, row.Entry.Data) => row.Data,
            var snapshot => DataText.Write(snapshot),
        };
        return new(WriteAsync(session =>
        {
            if (_singleStatementCommits && TryAppendOrdinary(session, checkpoint, data, row))
            {
                Interlocked.Increment(ref _singleStatementCommitCount);
                return true;
            }

            return Commit(session, checkpoint, data, row);
        }));
    }

    /// <summary>
    /// The common checkpoint (an attempt recorded, the state unchanged, the data bus unchanged or the entry's
    /// own snapshot, no cost to add up) in one statement. False when it does not apply or the run's row says
    /// otherwise; nothing is written then.
    /// </summary>
    private static bool TryAppendOrdinary(WriteSession session, Checkpoint checkpoint, string? data, PreparedEntry? row)
    {
        if (row is null || checkpoint.ReleasesLease || row.Entry.Usage?.Cost is not null || (data is not null && !ReferenceEquals(data, row.Data)))
        {
            return false;
        }

        var entry = row.Entry;
        HistoryRows.Key(0, checkpoint.RunId, entry.Sequence);
        var append = session.Statement(AppendOrdinary);
        HistoryRows.BindEntry(append, checkpoint.RunId, row);
        HistoryRows.BindPosition(append, checkpoint);
        append.Bind(26, data is null ? null : entry.Sequence);
        append.Bind(27, row.Bytes + DataText.Bytes(checkpoint.RunId) + HistoryRows.PositionBytes);
        append.Bind(28, entry.Usage?.InputTokens ?? 0);
        append.Bind(29, entry.Usage?.OutputTokens ?? 0);
        append.Bind(30, checkpoint.Fence);
        append.Bind(31, Names.Of(checkpoint.State));
        append.Bind(32, checkpoint.LeaseExpires is { } lease ? Names.Ticks(lease) : null);
        append.Run();
        return append.Changes == 1;
    }

    /// <summary>
    /// Commits a checkpoint. An ordinary one (an entry, the state unchanged, the data bus unchanged or the
    /// entry's own snapshot, the lease far enough from expiry) inserts only the history row, carrying the
    /// position and totals; any other rewrites the run's row too.
    /// </summary>
    private static bool Commit(WriteSession session, Checkpoint checkpoint, string? data, PreparedEntry? row)
    {
        var select = session.Statement(SelectPosition);
        select.Bind(1, checkpoint.RunId);
        RunTotals totals;
        long fence;
        string? owner;
        long? expires;
        string state;
        long? newest;
        bool newestHasPosition;
        long? bus;
        long runKey;
        if (!select.Step())
        {
            throw new RunNotFoundException(checkpoint.RunId);
        }

        try
        {
            fence = select.Int64(0);
            owner = select.Text(1);
            expires = select.NullableInt64(2);
            state = select.Text(3)!;
            newest = select.NullableInt64(9);
            newestHasPosition = newest is not null && select.Int64(10) != 0;
            bus = newestHasPosition ? select.NullableInt64(11) : null;
            runKey = select.Int64(17);
            var from = newestHasPosition ? 12 : 4;
            totals = new RunTotals(select.Int64(from), select.Int64(from + 1), select.Int64(from + 2), select.Int64(from + 3),
                Names.Decimal(select.Text(from + 4)));
        }
        finally
        {
            select.Reset();
        }

        if (fence != checkpoint.Fence)
        {
            throw new RunOwnedElsewhereException(checkpoint.RunId, owner, expires is { } e ? Names.Time(e) : null);
        }

        if (row is not null)
        {
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
            && newState == state
            && (data is null || ReferenceEquals(data, row.Data))
            && !ExtendsLease(checkpoint, owner, expires);
        if (ordinary)
        {
            var insert = session.Statement(HistoryRows.InsertWithPosition);
            insert.Bind(32, HistoryRows.Key(runKey, checkpoint.RunId, row!.Entry.Sequence));
            HistoryRows.BindEntry(insert, checkpoint.RunId, row);
            HistoryRows.BindPosition(insert, checkpoint);
            HistoryRows.BindTotals(insert, data is null ? bus : row.Entry.Sequence, totals.Count,
                totals.Bytes + HistoryRows.PositionBytes, totals.InputTokens, totals.OutputTokens, totals.Cost);
            insert.Run();
            return true;
        }

        var update = session.Command(UpdateRun);
        var u = update.Parameters;
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
        update.ExecuteNonQuery();
        if (row is not null)
        {
            var insert = session.Command(HistoryRows.Insert);
            HistoryRows.Bind(insert, checkpoint.RunId, runKey, row);
            insert.ExecuteNonQuery();
        }
        else if (newestHasPosition)
        {
            // The run's row now holds the position: the newest history row must no longer claim it.
            var clear = session.Command(ClearPosition);
            clear.Parameters.Set("$entry_key", newest!.Value);
            clear.ExecuteNonQuery();
        }

        return true;
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

    private readonly record struct RunTotals(long Count, long Bytes, long InputTokens, long OutputTokens, decimal? Cost);
}
