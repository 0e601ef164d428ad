using System.Collections.Concurrent;
using Keel.Postgres.Notifications;
using Keel.Postgres.Rows;
using Keel.Postgres.Schema;
using Npgsql;

namespace Keel;

/// <summary>
/// Holds <see cref="AttemptLimits"/> across every process that shares a PostgreSQL store. A scope (a worker
/// type, a model) with limit N has slots 0 to N-1 in the <c>slots</c> table; a call takes a free one (or one
/// whose lease expired) with <c>FOR UPDATE SKIP LOCKED</c>, keeps it leased on the server's clock while it
/// runs (renewed every third of <see cref="SlotLease"/>), and frees it when it ends, notifying waiters. A
/// process that dies holding slots loses them when their lease expires. A model's back-off is one row in
/// <c>model_pauses</c> that every process reads before admitting a call. <see cref="AttemptLimits.PerProcess"/>
/// is held in the process.
/// </summary>
public sealed class PostgresAttemptLimiter : IAttemptLimiter, IAsyncDisposable
{
    private const string EnsureSlots = "INSERT INTO {0}.slots (scope, slot) SELECT $1, s FROM generate_series(0, $2 - 1) s ON CONFLICT DO NOTHING;";

    private static readonly string TakeSlot = $"""
        UPDATE {"{0}"}.slots t SET holder = $3, expires = {PostgresSchema.NowTicks} + $4
        FROM (SELECT scope, slot FROM {"{0}"}.slots
              WHERE scope = $1 AND slot < $2 AND (holder IS NULL OR expires <= {PostgresSchema.NowTicks})
              ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) f
        WHERE t.scope = f.scope AND t.slot = f.slot
        RETURNING t.slot;
        """;

    private const string FreeSlot = """
        WITH freed AS (UPDATE {0}.slots SET holder = NULL, expires = NULL WHERE scope = $1 AND slot = $2 AND holder = $3 RETURNING 1)
        SELECT pg_notify($4, 'slot:' || $1) FROM freed;
        """;

    private static readonly string RenewSlots = $"UPDATE {"{0}"}.slots SET expires = {PostgresSchema.NowTicks} + $2 WHERE holder = ANY($1);";

    // A permit's slots, still its own and unexpired on the server's clock, leased again from now.
    private static readonly string ConfirmSlots = $"UPDATE {"{0}"}.slots SET expires = {PostgresSchema.NowTicks} + $2 WHERE holder = $1 AND expires > {PostgresSchema.NowTicks};";

    private static readonly string Pause = $"""
        INSERT INTO {"{0}"}.model_pauses (model, until_ticks) VALUES ($1, {PostgresSchema.NowTicks} + $2)
        ON CONFLICT (model) DO UPDATE SET until_ticks = GREATEST({"{0}"}.model_pauses.until_ticks, EXCLUDED.until_ticks);
        """;

    private static readonly string PauseLeft = $"SELECT until_ticks - {PostgresSchema.NowTicks} FROM {"{0}"}.model_pauses WHERE model = $1;";

    private readonly PostgresRunStore _store;
    private readonly AttemptLimits _limits;
    private readonly SemaphoreSlim? _process;
    private readonly ConcurrentDictionary<string, int> _ensured = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _owner;
    private Task? _renewal;

    /// <summary>A limiter over the tables of <paramref name="store"/>'s schema; every limiter on that schema shares the limits' slots.</summary>
    public PostgresAttemptLimiter(PostgresRunStore store, AttemptLimits limits, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _store = store;
        _limits = limits;
        _owner = owner ?? $"{Environment.MachineName}:{Environment.ProcessId}";
        _process = limits.PerProcess is { } perProcess ? new SemaphoreSlim(perProcess, perProcess) : null;
    }

    /// <summary>How long a slot stays held by a process that stopped renewing it (died or hung). Default 30 seconds.</summary>
    public TimeSpan SlotLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait before a waiting call looks again without a notification (the polling fallback). Default 1 second.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock that measures how long ago a permit's slots were last confirmed (elapsed time only).</summary>
    internal TimeProvider Elapsed { get; init; } = TimeProvider.System;

    /// <summary>Runs between taking a call's slots and admitting it (tests: where a stopped process would lose them).</summary>
    internal Func<CancellationToken, Task>? BeforeAdmission { get; set; }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireAsync(AttemptAdmission admission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admission);
        var scopes = _limits.ScopesFor(admission);
        while (true)
        {
            await WaitOutPauseAsync(admission.Model, cancellationToken).ConfigureAwait(false);
            var permit = new Permit(this);
            try
            {
                if (_process is not null)
                {
                    await _process.WaitAsync(cancellationToken).ConfigureAwait(false);
                    permit.HoldsProcess = true;
                }

                foreach (var (scope, limit) in scopes)
                {
                    await TakeAsync(scope, limit, permit, cancellationToken).ConfigureAwait(false);
                }

                // A back-off recorded while this call waited for its slots holds it back too.
                if ((admission.Model is null || await PauseLeftAsync(admission.Model, cancellationToken).ConfigureAwait(false) <= TimeSpan.Zero)
                    && await StillHeldAsync(permit, cancellationToken).ConfigureAwait(false))
                {
                    return permit;
                }
            }
            catch
            {
                await permit.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await permit.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireRunAsync(string workflowName, CancellationToken cancellationToken)
    {
        if (_limits.RunScopeFor(workflowName) is not { } run)
        {
            return NoRunPermit.Instance;
        }

        var permit = new Permit(this);
        try
        {
            await TakeAsync(run.Scope, run.Limit, permit, cancellationToken).ConfigureAwait(false);
            return permit;
        }
        catch
        {
            await permit.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask BackOffAsync(string model, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        await _store.UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(_store.Sql(Pause), connection).With(model.ToLowerInvariant()).With(Math.Max(0, retryAfter.Ticks));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops renewing this process's slots; slots still held lapse after <see cref="SlotLease"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_renewal is { } renewal)
        {
            try
            {
                await renewal.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stopping.Dispose();
    }

    private async ValueTask WaitOutPauseAsync(string? model, CancellationToken cancellationToken)
    {
        while (model is not null && await PauseLeftAsync(model, cancellationToken).ConfigureAwait(false) is var left && left > TimeSpan.Zero)
        {
            await Task.Delay(left, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<TimeSpan> PauseLeftAsync(string model, CancellationToken cancellationToken)
        => _store.UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(_store.Sql(PauseLeft), connection).With(model.ToLowerInvariant());
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long ticks ? TimeSpan.FromTicks(ticks) : TimeSpan.Zero;
        }, cancellationToken);

    /// <summary>
    /// True when the permit's slots are still its own now, as the call starts. A slot is leased on the server's
    /// clock from the moment its statement ran, which is after it was sent: while less than half a lease has
    /// passed here since the last statement that took or confirmed the slots was sent, they are certainly
    /// still held. Past that (the process was stopped, a long GC, a slow wait for the back-off), the server is
    /// asked again, which also extends the lease; a slot that lapsed meanwhile (another process may have it)
    /// makes the call start over for new slots, so a woken process never calls on slots it lost.
    /// </summary>
    private async ValueTask<bool> StillHeldAsync(Permit permit, CancellationToken cancellationToken)
    {
        if (BeforeAdmission is { } hook)
        {
            await hook(cancellationToken).ConfigureAwait(false);
        }

        while (permit.Slots.Count > 0 && Elapsed.GetElapsedTime(permit.ConfirmedAt) >= SlotLease / 2)
        {
            var sent = Elapsed.GetTimestamp();
            var confirmed = await _store.UseAsync(async (connection, ct) =>
            {
                await using var command = new NpgsqlCommand(_store.Sql(ConfirmSlots), connection).With(permit.Holder).With(SlotLease.Ticks);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (confirmed < permit.Slots.Count)
            {
                return false;
            }

            permit.ConfirmedAt = sent;
        }

        return true;
    }

    /// <summary>Takes a slot of <paramref name="scope"/> for <paramref name="permit"/>, waiting (woken when one is freed, else every <see cref="PollInterval"/>) while all are held.</summary>
    private async Task TakeAsync(string scope, int limit, Permit permit, CancellationToken cancellationToken)
    {
        var holder = permit.Holder;
        if (!_ensured.TryGetValue(scope, out var ensured) || ensured < limit)
        {
            await _store.UseAsync(async (connection, ct) =>
            {
                await using var command = new NpgsqlCommand(_store.Sql(EnsureSlots), connection).With(scope).With(limit);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            _ensured[scope] = limit;
        }

        StartRenewal();
        while (true)
        {
            var freed = _store.Listener.Subscribe("slot:" + scope);
            _held[holder] = 0;
            var sent = Elapsed.GetTimestamp();
            var slot = await _store.UseAsync(async (connection, ct) =>
            {
                await using var command = new NpgsqlCommand(_store.Sql(TakeSlot), connection).With(scope).With(limit).With(holder).With(SlotLease.Ticks);
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is int taken ? taken : -1;
            }, cancellationToken).ConfigureAwait(false);
            if (slot >= 0)
            {
                permit.Slots.Add((scope, slot));
                permit.ConfirmedAt = permit.Slots.Count == 1 ? sent : Math.Min(permit.ConfirmedAt, sent);
                return;
            }

            await PostgresListener.WaitAsync(freed, PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FreeAsync(string scope, int slot, string holder)
    {
        await _store.UseAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(_store.Sql(FreeSlot), connection).With(scope).With(slot).With(holder).With(_store.Listener.Channel);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None).ConfigureAwait(false);
    }

    private void StartRenewal()
    {
        if (_renewal is null)
        {
            lock (_held)
            {
                _renewal ??= Task.Run(() => RenewAsync(_stopping.Token));
            }
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(SlotLease / 3, cancellationToken).ConfigureAwait(false);
            var holders = _held.Keys.ToArray();
            if (holders.Length == 0)
            {
                continue;
            }

            try
            {
                await _store.UseAsync(async (connection, ct) =>
                {
                    await using var command = new NpgsqlCommand(_store.Sql(RenewSlots), connection).WithArray(holders).With(SlotLease.Ticks);
                    return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The server is unreachable (or the pool is busy): try again at the next beat; the slots' leases
                // cover a few misses, and a call is admitted only on slots confirmed on the server.
            }
        }
    }

    private sealed class Permit(PostgresAttemptLimiter limiter) : IAsyncDisposable
    {
        private int _released;

        public string Holder { get; } = $"{limiter._owner}/{Guid.NewGuid():N}";

        public List<(string Scope, int Slot)> Slots { get; } = [];

        public bool HoldsProcess { get; set; }

        /// <summary>When the statement was sent that last took or confirmed the slots (the oldest, for several), on <see cref="Elapsed"/>.</summary>
        public long ConfirmedAt { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                for (var i = Slots.Count - 1; i >= 0; i--)
                {
                    await limiter.FreeAsync(Slots[i].Scope, Slots[i].Slot, Holder).ConfigureAwait(false);
                }
            }
            finally
            {
                limiter._held.TryRemove(Holder, out _);
                if (HoldsProcess)
                {
                    limiter._process!.Release();
                }
            }
        }
    }
}

/// <summary>The permit of a run no limit applies to.</summary>
internal sealed class NoRunPermit : IAsyncDisposable
{
    public static readonly NoRunPermit Instance = new();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
