namespace Keel;

/// <summary>Puts a worker under an <see cref="IAttemptLimiter"/>.</summary>
public static class AttemptLimiterExtensions
{
    /// <summary>
    /// The same worker, whose every call first waits for admission from <paramref name="limiter"/> (per worker
    /// type, per <paramref name="model"/>, per process) and holds its slots until the call ends. When the call
    /// throws <see cref="ModelBackoffException"/>, admission to <paramref name="model"/> (else the exception's
    /// model) is paused for everyone sharing the limiter and the call waits and runs again, within the same
    /// attempt (bounded by the step's timeout).
    /// </summary>
    public static WorkerDefinition Limited(this WorkerDefinition worker, IAttemptLimiter limiter, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(limiter);
        var inner = worker.Executor;
        var workerType = worker.WorkerType;
        return new WorkerDefinition(
            worker.WorkerType,
            worker.Name,
            worker.Description,
            async (input, context, cancellationToken) =>
            {
                var admission = new AttemptAdmission { RunId = context.RunId, WorkflowName = context.WorkflowName, WorkerType = workerType, Model = model };
                while (true)
                {
                    var permit = await limiter.AcquireAsync(admission, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await inner(input, context, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ModelBackoffException backoff)
                    {
                        await limiter.BackOffAsync(model ?? backoff.Model, backoff.RetryAfter, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        await permit.DisposeAsync().ConfigureAwait(false);
                    }
                }
            },
            worker.InputTransformer,
            worker.OutputTransformer,
            worker.OutputValidator);
    }
}
