using System.Collections.Concurrent;

namespace Keel;

/// <summary>
/// Holds <see cref="AttemptLimits"/> within one process: a semaphore per scope and one for the process, and
/// a model's back-off as a time before which its calls wait. The reference the cluster limiters are held to.
/// </summary>
public sealed class InMemoryAttemptLimiter : IAttemptLimiter
{
    private readonly AttemptLimits _limits;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim? _process;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pauses = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A limiter holding <paramref name="limits"/> in this process; <paramref name="timeProvider"/> times back-offs (the system clock when null).</summary>
    /// <exception cref="ArgumentException"><paramref name="limits"/> is invalid (a limit below 1).</exception>
    public InMemoryAttemptLimiter(AttemptLimits limits, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _limits = limits;
        _time = timeProvider ?? TimeProvider.System;
        _process = limits.PerProcess is { } perProcess ? new SemaphoreSlim(perProcess, perProcess) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireAsync(AttemptAdmission admission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admission);
        await WaitOutPauseAsync(admission.Model, cancellationToken).ConfigureAwait(false);
        var held = new List<SemaphoreSlim>(3);
        try
        {
            if (_process is not null)
            {
                await _process.WaitAsync(cancellationToken).ConfigureAwait(false);
                held.Add(_process);
            }

            foreach (var (scope, limit) in _limits.ScopesFor(admission))
            {
                var semaphore = _scopes.GetOrAdd(scope, _ => new SemaphoreSlim(limit, limit));
                await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
                held.Add(semaphore);
            }

            return new Permit(held);
        }
        catch
        {
            await new Permit(held).DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireRunAsync(string workflowName, CancellationToken cancellationToken)
    {
        if (_limits.RunScopeFor(workflowName) is not { } run)
        {
            return NoRunLimit.Permit;
        }

        var (scope, limit) = run;
        var semaphore = _scopes.GetOrAdd(scope, _ => new SemaphoreSlim(limit, limit));
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Permit([semaphore]);
    }

    /// <inheritdoc />
    public ValueTask BackOffAsync(string model, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var until = _time.GetUtcNow() + retryAfter;
        _pauses.AddOrUpdate(model, until, (_, current) => current > until ? current : until);
        return ValueTask.CompletedTask;
    }

    private async ValueTask WaitOutPauseAsync(string? model, CancellationToken cancellationToken)
    {
        while (model is not null && _pauses.TryGetValue(model, out var until) && until > _time.GetUtcNow())
        {
            await Task.Delay(until - _time.GetUtcNow(), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Permit(List<SemaphoreSlim> held) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                for (var i = held.Count - 1; i >= 0; i--)
                {
                    held[i].Release();
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
