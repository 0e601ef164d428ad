using Keel.Postgres.Rows;
using Npgsql;

namespace Keel;

public sealed partial class PostgresRunStore
{
    // One statement: the run's row is updated only when the fence matches, and the history row is inserted
    // only from the updated row, so a stale writer changes nothing. Parameters 1 to 16 are the position,
    // lease and totals; 17 to 35 the entry (when there is one).
    private const string UpdateRun = """
        UPDATE {0}.runs SET state = $3, current_step = $4, visit = $5, attempt = $6, steps_taken = $7, error = $8, updated_at = $9,
            size_bytes = size_bytes + $11 + CASE WHEN $10::text IS NULL THEN 0 ELSE octet_length($10::text) - octet_length(data) END,
            data = COALESCE($10::text, data),
            lease_owner = CASE WHEN $12 THEN NULL ELSE lease_owner END,
            lease_expires = CASE WHEN $12 THEN NULL ELSE COALESCE($13, lease_expires) END,
            history_count = history_count + $14, input_tokens = input_tokens + $15, output_tokens = output_tokens + $16,
            cost = CASE WHEN $17::numeric IS NULL THEN cost ELSE COALESCE(cost, 0) + $17::numeric END
        WHERE run_id = $1 AND fence = $2
        RETURNING 1
        """;

    private static readonly string CommitWithEntry = $$"""
        WITH run AS ({{UpdateRun}}),
        entry AS (
            INSERT INTO {0}.history ({{HistoryRows.Columns}}) SELECT {{HistoryRows.Values(18)}} FROM run
        )
        SELECT count(*)::int FROM run;
        """;

    private static readonly string CommitWithoutEntry = $"WITH run AS ({UpdateRun}) SELECT count(*)::int FROM run;";

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
        return CommitAsync(checkpoint, row, data, cancellationToken);
    }

    private async ValueTask CommitAsync(Checkpoint checkpoint, PreparedEntry? row, string? data, CancellationToken cancellationToken)
    {
        var written = await UseAsync(async (connection, ct) =>
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
                .With(usage?.Cost);
            if (row is not null)
            {
                HistoryRows.Bind(command, checkpoint.RunId, row);
            }

            return (int)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken).ConfigureAwait(false);

        if (written == 0)
        {
            throw await RefusalAsync(checkpoint.RunId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Why a fenced write matched no row: the run does not exist, or another owner's fence is current.</summary>
    private async ValueTask<KeelException> RefusalAsync(string runId, CancellationToken cancellationToken)
        => await UseAsync<KeelException>(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(Sql("SELECT lease_owner, lease_expires FROM {0}.runs WHERE run_id = $1;"), connection).With(runId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return new RunNotFoundException(runId);
            }

            return new RunOwnedElsewhereException(runId, reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : Names.Time(reader.GetInt64(1)));
        }, cancellationToken).ConfigureAwait(false);
}
