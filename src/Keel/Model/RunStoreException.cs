namespace Keel;

/// <summary>
/// The run store failed: it could not be opened, read or written (locked past its busy timeout, a full disk,
/// an I/O error, a damaged file). <see cref="Store"/> names the store; the message says what failed. Nothing
/// the failed operation wrote was kept; what was committed before is unchanged.
/// </summary>
public class RunStoreException : KeelException
{
    /// <summary>Says <paramref name="store"/> failed as <paramref name="message"/> describes; <paramref name="store"/> must not carry credentials.</summary>
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
    /// <summary>Says the data of <paramref name="store"/> is damaged, with the runs that could and could not be read (empty lists when null).</summary>
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
