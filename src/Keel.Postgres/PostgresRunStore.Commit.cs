using Keel.Postgres.Rows;
using Keel.Postgres.Schema;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    // One statement (one transaction): the run's row is updated only when the fence matches and the
    // checkpoint's first event follows the run's newest, and the history row and events are inserted only from
    // the updated row, so a stale writer (or a repeat) changes nothing. Parameters: 1 run, 2 fence, 3 to 9
    // position, 10 data bus, 11 entry bytes, 12 releases lease, 13 lease expiry, 14 has entry (0/1), 15 to 17
    // usage, 18 first event (NULL: none), 19 to 21 event sequences, types and bodies, 22 newest event,
    // 23 clears control, 24 channel, 25 notifies the queue; 26 on: the entry. The run's key is notified only
    // while someone watches it (a live row in watches).
    private const string UpdateRun = """
        UPDATE {0}.runs SET state = $3, current_step = $4, visit = $5, attempt = $6, steps_taken = $7, error = $8, updated_at = $9,
            size_bytes = size_bytes + $11 + CASE WHEN $10::text IS NULL THEN 0 ELSE octet_length($10::text) - octet_length(data) END,
            data = COALESCE($10::text, data),
            lease_owner = CASE WHEN $12 THEN NULL ELSE lease_owner END,
            lease_expires = CASE WHEN $12 THEN NULL ELSE COALESCE($13, lease_expires) END,
            history_count = history_count + $14, input_tokens = input_tokens + $15, output_tokens = output_tokens + $16,
            cost = CASE WHEN $17::numeric IS NULL THEN cost ELSE COALESCE(cost, 0) + $17::numeric END,
            last_event = COALESCE($22, last_event),
            control = CASE WHEN $23 THEN 'none' ELSE control END,
            control_by = CASE WHEN $23 THEN NULL ELSE control_by END,
            control_reason = CASE WHEN $23 THEN NULL ELSE control_reason END
        WHERE run_id = $1 AND fence = $2 AND ($18::bigint IS NULL OR last_event + 1 = $18::bigint)
        RETURNING control
        """;

    private const string InsertEvents = """
        events AS (
            INSERT INTO {0}.events (run_id, sequence, type, body)
            SELECT $1, e.sequence, e.type, e.body FROM run, unnest($19::bigint[], $20::text[], $21::text[]) AS e(sequence, type, body)
        )
        """;

    private static readonly string Result = $$"""
        SELECT r.control, CASE WHEN EXISTS (SELECT 1 FROM {0}.watches w WHERE w.run_id = $1 AND w.expires > {{PostgresSchema.NowTicks}}) THEN pg_notify($24, 'run:' || $1) END,
            CASE WHEN $25 THEN pg_notify($24, 'queue') END FROM run r;
        """;

    private static readonly string CommitWithEntry = $$"""
        WITH run AS ({{UpdateRun}}),
        {{InsertEvents}},
        entry AS (
            INSERT INTO {0}.history ({{HistoryRows.Columns}}) SELECT {{HistoryRows.Values(26)}} FROM run
        )
        {{Result}}
        """;

    private static readonly string CommitWithoutEntry = $"WITH run AS ({UpdateRun}),\n{InsertEvents}\n{Result}";

    /// <inheritdoc />
    public ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var row = checkpoint.Entry is { } entry ? HistoryRows.Prepare(entry) : null;
        var data = checkpoint.Data switch
        {
            null => null,
            var snapshot when row is not null && ReferenceEquals(snapshot, row.Entry.Data) => row.Data,
            var snapshot => DataText.Write(snapshot),
        };
        return CommitAsync(checkpoint, row, data, cancellationToken);
    }

    private async ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, PreparedEntry? row, string? data, CancellationToken cancellationToken)
    {
        var events = checkpoint.Events;
        var control = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql(row is null ? CommitWithoutEntry : CommitWithEntry), connection);
            var usage = row?.Entry.Usage;
            command
                .With(checkpoint.RunId)
                .With(checkpoint.Fence)
                .With(Names.Of(checkpoint.State))
                .With(checkpoint.CurrentStep)
                .With(checkpoint.Visit)
                .With(checkpoint.Attempt)
                .With(checkpoint.StepsTaken)
                .With(checkpoint.Error)
                .With(Names.Ticks(checkpoint.UpdatedAt))
                .With(data)
                .With(row is null ? 0L : row.Bytes)
                .With(checkpoint.ReleasesLease)
                .With(Names.Ticks(checkpoint.LeaseExpires))
                .With(row is null ? 0 : 1)
                .With(usage?.InputTokens ?? 0L)
                .With(usage?.OutputTokens ?? 0L)
                .With(usage?.Cost)
                .With(events.Count > 0 ? events[0].Sequence : (long?)null)
                .WithArray(events.Select(e => e.Sequence).ToArray())
                .WithArray(events.Select(RunEventJson.TypeName).ToArray())
                .WithArray(events.Select(RunEventJson.Serialize).ToArray())
                .With(events.Count > 0 ? events[^1].Sequence : (long?)null)
                .With(checkpoint.ClearsControl)
                .With(Listener.Channel)
                .With(checkpoint.ReleasesLease && checkpoint.State is WorkflowState.Running or WorkflowState.Pending);
            if (row is not null)
            {
                HistoryRows.Bind(command, checkpoint.RunId, row);
            }

            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is string name ? Names.Control(name) : (RunControl?)null;
        }, cancellationToken).ConfigureAwait(false);

        return control ?? await RefusalAsync(checkpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Why a checkpoint matched no row: the run does not exist, another owner's fence is current, or its
    /// first event is already stored (a repeat after a lost acknowledgement: nothing to write, the pending
    /// control is returned) or would leave a gap.
    /// </summary>
    private async ValueTask<RunControl> RefusalAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var (exists, fence, owner, expires, last, control) = await UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT fence, lease_owner, lease_expires, last_event, control FROM {0}.runs WHERE run_id = $1;"), connection).With(checkpoint.RunId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return (false, 0L, (string?)null, (DateTimeOffset?)null, 0L, RunControl.None);
            }

            return (true, reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? (DateTimeOffset?)null : Names.Time(reader.GetInt64(2)), reader.GetInt64(3), Names.Control(reader.GetString(4)));
        }, cancellationToken).ConfigureAwait(false);

        if (!exists)
        {
            throw new RunNotFoundException(checkpoint.RunId);
        }

        if (fence != checkpoint.Fence)
        {
            throw new RunOwnedElsewhereException(checkpoint.RunId, owner, expires);
        }

        var first = checkpoint.Events[0].Sequence;
        if (first <= last)
        {
            return control;
        }

        throw new KeelException($"Run '{checkpoint.RunId}': the checkpoint's first event is #{first}, but the run's newest is #{last} (events are numbered without gaps).");
    }
}
