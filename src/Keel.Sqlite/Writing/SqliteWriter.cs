using System.Threading.Channels;

namespace Keel.Sqlite.Writing;

/// <summary>
/// The single writer: operations are queued on a channel, and one drainer at a time takes every operation
/// waiting (up to the batch size) and runs them in one transaction on the one write connection (group
/// commit), each under its own savepoint, so one failure undoes only its own operation. Every caller's
/// task completes only after the transaction holding its operation committed. The caller that finds the
/// writer idle drains the queue itself, so a lone run's commit costs no thread hand-off; while more work
/// keeps arriving, draining continues on a pool thread.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = false });
    private readonly WriteSession _session;
    private readonly int _maxBatch;
    private readonly List<WriteOperation> _batch;
    private int _draining;
    private long _transactions;

    public SqliteWriter(WriteSession session, int maxBatch)
    {
        _session = session;
        _maxBatch = maxBatch;
        _batch = new List<WriteOperation>(maxBatch);
    }

    /// <summary>Transactions committed or attempted so far (one per batch).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public Task<T> Enqueue<T>(Func<WriteSession, T> work)
    {
        var operation = new WriteOperation<T>(work);
        if (!_queue.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteRunStore), $"The SQLite run store '{_session.Source}' is disposed.");
        }

        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            DrainOnce();
        }

        return operation.Task;
    }

    /// <summary>Holds the writer until the returned handle is disposed; operations queued meanwhile then run as one batch (tests use it).</summary>
    internal IDisposable Pause()
    {
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        return new Resumer(this);
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        while (TakeBatch())
        {
            Run(_batch);
        }

        _session.Dispose();
    }

    /// <summary>Runs one batch as the drainer; hands further draining to a pool thread when more is waiting.</summary>
    private void DrainOnce()
    {
        if (TakeBatch())
        {
            Run(_batch);
        }

        Continue();
    }

    private void DrainLoop()
    {
        while (TakeBatch())
        {
            Run(_batch);
        }

        Continue();
    }

    /// <summary>Gives the drainer role up, or keeps draining on a pool thread when operations arrived meanwhile.</summary>
    private void Continue()
    {
        if (_queue.Reader.TryPeek(out _))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.DrainLoop(), this, preferLocal: false);
            return;
        }

        Volatile.Write(ref _draining, 0);
        if (_queue.Reader.TryPeek(out _) && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.DrainLoop(), this, preferLocal: false);
        }
    }

    private bool TakeBatch()
    {
        _batch.Clear();
        while (_batch.Count < _maxBatch && _queue.Reader.TryRead(out var operation))
        {
            _batch.Add(operation);
        }

        return _batch.Count > 0;
    }

    private void Run(List<WriteOperation> batch)
    {
        Interlocked.Increment(ref _transactions);
        Exception? batchError = null;
        try
        {
            _session.Execute("BEGIN IMMEDIATE;");
            if (batch.Count == 1)
            {
                RunAlone(batch[0]);
            }
            else
            {
                foreach (var operation in batch)
                {
                    RunUnderSavepoint(operation);
                }
            }

            _session.Execute("COMMIT;");
        }
        catch (Exception ex)
        {
            batchError = SqliteErrors.Translate(ex, _session.Source);
            RollBack();
        }

        foreach (var operation in batch)
        {
            operation.Finish(batchError);
        }
    }

    private void RunAlone(WriteOperation operation)
    {
        try
        {
            operation.Execute(_session);
        }
        catch (Exception ex) when (!_session.InAutocommit)
        {
            // Only this operation is in the transaction: undo all of it, then report its own error.
            operation.Error = SqliteErrors.Translate(ex, _session.Source);
            _session.Execute("ROLLBACK;");
            _session.Execute("BEGIN IMMEDIATE;");
        }
    }

    private void RunUnderSavepoint(WriteOperation operation)
    {
        _session.Execute("SAVEPOINT op;");
        try
        {
            operation.Execute(_session);
            _session.Execute("RELEASE op;");
        }
        catch (Exception ex) when (!_session.InAutocommit)
        {
            operation.Error = SqliteErrors.Translate(ex, _session.Source);
            _session.Execute("ROLLBACK TO op;");
            _session.Execute("RELEASE op;");
        }
    }

    private void RollBack()
    {
        if (_session.InAutocommit)
        {
            return;
        }

        try
        {
            _session.Execute("ROLLBACK;");
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // The transaction is gone either way; the batch's callers already get the original error.
        }
    }

    private sealed class Resumer(SqliteWriter writer) : IDisposable
    {
        private int _resumed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _resumed, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static w => w.DrainLoop(), writer, preferLocal: false);
            }
        }
    }
}
