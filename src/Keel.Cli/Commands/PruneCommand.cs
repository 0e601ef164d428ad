using System.CommandLine;
using System.Globalization;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel prune --older-than 30d</c>: deletes runs last updated before a time, in one transaction, showing what each took.</summary>
internal static class PruneCommand
{
    public static Command Create(CommandIo io)
    {
        var olderThan = new Option<string>("--older-than")
        {
            Description = "Delete runs last updated longer ago than this: a number with d (days), h (hours) or m (minutes), e.g. 30d.",
            HelpName = "AGE",
            Required = true,
        };
        var store = CommonOptions.Store();
        var command = new Command("prune", "Delete stored runs last updated before a given age, in one transaction, listing each run and its size.") { olderThan, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(olderThan)!, parse.GetValue(store), cancellationToken));
        return command;
    }

    internal static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        age = char.ToLowerInvariant(text[^1]) switch
        {
            'd' => TimeSpan.FromDays(amount),
            'h' => TimeSpan.FromHours(amount),
            'm' => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.MinValue,
        };
        return age != TimeSpan.MinValue;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string ageText, string? storeOption, CancellationToken cancellationToken)
    {
        if (!TryParseAge(ageText, out var age))
        {
            io.Error.WriteLine($"error: --older-than '{ageText}' is not an age (expected a whole number followed by d, h or m, e.g. 30d).");
            return ExitCodes.BadInput;
        }

        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var before = TimeProvider.System.GetUtcNow() - age;
        var deleted = await session.Store.DeleteRunsAsync(before, cancellationToken).ConfigureAwait(false);
        if (deleted.Count == 0)
        {
            io.Out.WriteLine($"No runs last updated before {Format.Time(before)}.");
            return ExitCodes.Completed;
        }

        var table = new Table("RUN", "WORKFLOW", "STATE", "ENTRIES", "SIZE", "UPDATED");
        long total = 0;
        foreach (var run in deleted)
        {
            total += run.SizeBytes;
            table.Add(run.RunId, run.WorkflowName, Format.State(run.State), run.HistoryCount.ToString(CultureInfo.InvariantCulture), Bytes(run.SizeBytes), Format.Time(run.UpdatedAt));
        }

        table.Write(io.Out);
        io.Out.WriteLine($"Deleted {deleted.Count} run(s), {Bytes(total)}.");
        return ExitCodes.Completed;
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
    };
}
