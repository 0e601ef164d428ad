using System.Threading.Channels;

namespace Keel.Sqlite.Writing;

/// <summary>
/// The single writer: one connection, used by one thread at a time. Operations queue on a channel; a
/// dedicated thread takes every operation waiting (up to the batch size) and runs them in one transaction
/// (group commit). When one of them fails, the batch is rolled back and run again with each operation
/// under its own savepoint, so the failure undoes only its own operation. Every caller's task completes
/// only after the transaction holding its operation committed. When nothing is
/// queued and the connection is free, the caller runs its operation itself, as a batch of one: a lone
/// run's checkpoint then costs no thread hand-off, and whatever arrives meanwhile queues for the next batch.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = false });
    private readonly WriteSession _session;
    private readonly int _maxBatch;
    private readonly Thread _thread;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<WriteOperation> _inline = new(1);
    private readonly bool _synced;
    private long _transactions;
    private volatile bool _closed;

    /// <summary>The database file, when the store is one (checked to still be there, see <see cref="FileGone"/>).</summary>
    private readonly string? _file;
    private long _fileCheckedAt = -1;
    private RunStoreException? _fileGone;

    /// <summary>A writer over <paramref name="session"/>; <paramref name="synced"/> when its connection commits at <c>synchronous = FULL</c>.</summary>
    public SqliteWriter(WriteSession session, int maxBatch, bool synced = false)
    {
        _session = session;
        _file = File.Exists(session.Source) ? Path.GetFullPath(session.Source) : null;
        _maxBatch = maxBatch;
        _synced = synced;
        _thread = new Thread(Loop) { IsBackground = true, Name = "Keel SQLite writer" };
        _thread.Start();
    }

    /// <summary>Transactions committed or attempted so far (one per batch).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Called after every committed transaction (wakes the store's watchers).</summary>
    public Action? Committed { get; set; }

    public Task<T> Enqueue<T>(Func<WriteSession, T> work, bool relaxed = false)
    {
        var operation = new WriteOperation<T>(work) { Relaxed = relaxed };
        if (_queue.Reader.Count == 0 && _gate.Wait(0))
        {
            try
            {
                if (!_closed)
                {
                    _inline.Clear();
                    _inline.Add(operation);
                    Run(_inline);
                    return operation.Task;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        if (!_queue.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteRunStore), $"The SQLite run store '{_session.Source}' is disposed.");
        }

        return operation.Task;
    }

    /// <summary>Holds the writer before its next batch until the returned handle is disposed (tests group operations deterministically with it).</summary>
    internal IDisposable Pause()
    {
        _gate.Wait();
        return new Releaser(_gate);
    }

    public void Dispose()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        _thread.Join();
        _gate.Wait();
        _session.Dispose();
        _gate.Dispose();
    }

    private void Loop()
    {
        var batch = new List<WriteOperation>(_maxBatch);
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            _gate.Wait();
            try
            {
                while (batch.Count < _maxBatch && reader.TryRead(out var operation))
                {
                    batch.Add(operation);
                }

                Run(batch);
            }
            finally
            {
                _gate.Release();
                batch.Clear();
            }
        }
    }

    /// <summary>
    /// The store's file deleted (or moved away) while the store is open: SQLite would go on writing to the unlinked
    /// file, acknowledging writes that are lost when the process ends. Looked at before a batch at most once a
    /// second (a check of the path costs a system call), and once gone, every later batch fails with it.
    /// </summary>
    private RunStoreException? FileGone()
    {
        if (_file is null || _fileGone is not null)
        {
            return _fileGone;
        }

        var now = Environment.TickCount64;
        if (_fileCheckedAt >= 0 && now - _fileCheckedAt < 1000)
        {
            return null;
        }

        _fileCheckedAt = now;
        if (!File.Exists(_file))
        {
            _fileGone = new RunStoreException(_file, $"the run store file '{_file}' was deleted or moved while the store was open: nothing more is written (what was written since is lost with it); restore the file or start on a new one.");
        }

        return _fileGone;
    }

    private void Run(List<WriteOperation> batch)
    {
        Interlocked.Increment(ref _transactions);
        if (FileGone() is { } gone)
        {
            foreach (var operation in batch)
            {
                operation.Finish(gone);
            }

            return;
        }

        Exception? batchError = null;
        var relax = _synced && AllRelaxed(batch);
        try
        {
            if (relax)
            {
                _session.Execute("PRAGMA synchronous = NORMAL;");
            }

            _session.Begin();
            if (batch.Count == 1)
            {
                RunAlone(batch[0]);
            }
            else if (!TryRunTogether(batch))
            {
                // One operation failed: run the batch again, each operation under its own savepoint.
                _session.Begin();
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
        finally
        {
            if (relax)
            {
                _session.Execute("PRAGMA synchronous = FULL;");
            }
        }

        if (batchError is null)
        {
            Committed?.Invoke();
        }

        foreach (var operation in batch)
        {
            operation.Finish(batchError);
        }
    }

    private static bool AllRelaxed(List<WriteOperation> batch)
    {
        foreach (var operation in batch)
        {
            if (!operation.Relaxed)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs the batch without savepoints (the common case: nothing fails); on a failure rolls it all back and returns false.</summary>
    private bool TryRunTogether(List<WriteOperation> batch)
    {
        foreach (var operation in batch)
        {
            try
            {
                operation.Execute(_session);
            }
            catch (Exception) when (!_session.InAutocommit)
            {
                _session.Rollback();
                return false;
            }
        }

        return true;
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
            _session.Rollback();
            _session.Begin();
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
            _session.RollbackToSavepoint();
            _session.Execute("RELEASE op;");
        }
    }

    private void RollBack()
    {
        try
        {
            _session.Rollback();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // The transaction is gone either way; the batch's callers already get the original error.
        }
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
