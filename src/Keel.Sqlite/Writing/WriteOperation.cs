namespace Keel.Sqlite.Writing;

/// <summary>One unit of work for the writer: runs inside the batch's transaction, completes after it commits.</summary>
internal abstract class WriteOperation
{
    /// <summary>Does the work on the writer's connection (inside a transaction; a throw undoes only this operation).</summary>
    public abstract void Execute(WriteSession session);

    /// <summary>True when the operation needs no sync of its own (a run's creation): a batch of only such operations commits at <c>synchronous = NORMAL</c>.</summary>
    public bool Relaxed { get; init; }

    /// <summary>The operation's own failure, kept until the batch ends.</summary>
    public Exception? Error { get; set; }

    /// <summary>Reports the outcome to the caller (after the transaction committed or failed).</summary>
    public abstract void Finish(Exception? batchError);
}

internal sealed class WriteOperation<T>(Func<WriteSession, T> work) : WriteOperation
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;

    public Task<T> Task => _completion.Task;

    public override void Execute(WriteSession session) => _result = work(session);

    public override void Finish(Exception? batchError)
    {
        var error = batchError ?? Error;
        if (error is not null)
        {
            _completion.TrySetException(error);
        }
        else
        {
            _completion.TrySetResult(_result!);
        }
    }
}
