namespace Keel;

/// <summary>
/// The run store failed: it could not be opened, read or written (locked past its busy timeout, a full disk,
/// an I/O error, a damaged file). <see cref="Store"/> names the store; the message says what failed. Nothing
/// the failed operation wrote was kept; what was committed before is unchanged.
/// </summary>
public class RunStoreException : KeelException
{
    public RunStoreException(string store, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Store = store;
    }

    /// <summary>The store that failed: a file path, or a database named without its credentials.</summary>
    public string Store { get; }
}

/// <summary>
/// The run store's data is damaged: its file is corrupt or is not a database, or a stored row cannot be
/// decoded. The runs that could be read are in <see cref="ReadableRuns"/> (when the failing operation listed
/// runs), the runs that could not in <see cref="UnreadableRunIds"/> (when known).
/// </summary>
public sealed class RunStoreDamagedException : RunStoreException
{
    public RunStoreDamagedException(string store, string message, Exception? innerException = null, IReadOnlyList<RunRecord>? readableRuns = null, IReadOnlyList<string>? unreadableRunIds = null)
        : base(store, message, innerException)
    {
        ReadableRuns = readableRuns ?? [];
        UnreadableRunIds = unreadableRunIds ?? [];
    }

    /// <summary>Runs read intact before or around the damage.</summary>
    public IReadOnlyList<RunRecord> ReadableRuns { get; }

    /// <summary>Runs known to exist whose rows could not be read.</summary>
    public IReadOnlyList<string> UnreadableRunIds { get; }
}
