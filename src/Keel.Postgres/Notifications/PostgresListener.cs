using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Keel.Postgres.Notifications;

/// <summary>
/// One LISTEN connection per store, shared by everything in the process that waits for a change made
/// elsewhere: a run's new events, a run queued or decided, a limiter slot freed. Writers send
/// <c>pg_notify(channel, key)</c> in the transaction that makes the change, so the notification arrives
/// only once it is committed. A waiter subscribes to a key before it looks, then waits for the
/// subscription or its timeout (the polling fallback: a notification can be lost with a dropped
/// connection, and every waiter is woken whenever the connection is made again).
/// </summary>
internal sealed class PostgresListener : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public PostgresListener(NpgsqlDataSource dataSource, string schema)
    {
        _dataSource = dataSource;
        Channel = ChannelOf(schema);
    }

    /// <summary>The channel of a schema: <c>keel_</c> and 16 hex digits of its name's SHA-256 (names may be longer or stranger than a channel allows).</summary>
    public string Channel { get; }

    public static string ChannelOf(string schema)
        => "keel_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)))[..16];

    /// <summary>A task that completes at the next notification of <paramref name="key"/> (or a reconnection). Subscribe, then look, then wait.</summary>
    public Task Subscribe(string key)
    {
        lock (_gate)
        {
            _loop ??= Task.Run(() => ListenAsync(_stopping.Token));
            if (!_waiters.TryGetValue(key, out var waiter))
            {
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(key, waiter);
            }

            return waiter.Task;
        }
    }

    /// <summary>Waits for <paramref name="subscription"/>, at most <paramref name="timeout"/>; false on timeout.</summary>
    public static async Task<bool> WaitAsync(Task subscription, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await subscription.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        WakeAll();
        _stopping.Dispose();
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, e) => Wake(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Whatever was sent while not listening is lost: every waiter looks again.
                WakeAll();
                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // The server went away: waiters fall back to their timeouts until it is back.
                WakeAll();
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private void Wake(string key)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (_waiters.Remove(key, out waiter) is false)
            {
                return;
            }
        }

        waiter.TrySetResult();
    }

    private void WakeAll()
    {
        TaskCompletionSource[] all;
        lock (_gate)
        {
            all = [.. _waiters.Values];
            _waiters.Clear();
        }

        foreach (var waiter in all)
        {
            waiter.TrySetResult();
        }
    }
}
