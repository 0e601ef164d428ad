namespace Keel.Cli.Runs;

/// <summary>
/// The integrity check commands that list runs make of the store file: SQLite's quick check and rows that lost
/// their run, when the file is small enough for it to be cheap (at most <see cref="MaxBytes"/>).
/// </summary>
internal static class StoreCheck
{
    /// <summary>Files up to this size are checked (a quick check reads the whole file once).</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    public static async Task<IReadOnlyList<string>> ProblemsAsync(CliSession session, CancellationToken cancellationToken)
    {
        var file = new FileInfo(session.StorePath);
        if (!file.Exists || file.Length > MaxBytes || session.Store is not SqliteRunStore sqlite)
        {
            return [];
        }

        return await sqlite.CheckIntegrityAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static void Report(TextWriter error, string storePath, IReadOnlyList<string> problems, int listed)
    {
        error.WriteLine($"error: the run store file '{storePath}' is damaged; SQLite's integrity check found:");
        foreach (var problem in problems)
        {
            error.WriteLine("  " + problem);
        }

        error.WriteLine($"The {listed} run(s) listed above could be read, but runs may be missing from the list. "
            + "Keep a copy of the file before changing it; 'sqlite3 FILE .recover' can often salvage what is left.");
    }
}
