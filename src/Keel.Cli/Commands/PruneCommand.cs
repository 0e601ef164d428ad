using System.CommandLine;
using System.Globalization;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary>
/// <c>keel prune --older-than 30d [--state S]... [--dry-run]</c>: deletes runs last updated before a time, in one
/// transaction, showing what each took. Only ended runs (completed, failed, cancelled) unless <c>--state</c>
/// names others: a pending, running or waiting run may be driven by another process right now.
/// </summary>
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
        var states = new Option<string[]>("--state", "-s")
        {
            Description = "Delete only runs in this state (repeat for more). Default: completed, failed and cancelled; "
                + "pending, running, paused and waiting_for_approval runs are kept unless named here, since another process may be driving them.",
            HelpName = "STATE",
            AllowMultipleArgumentsPerToken = false,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the runs that would be deleted, and delete nothing." };
        var store = CommonOptions.Store();
        var command = new Command("prune", "Delete ended runs last updated before a given age, in one transaction, listing each run and its size.") { olderThan, states, dryRun, store };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            io, parse.GetValue(olderThan)!, parse.GetValue(states) ?? [], parse.GetValue(dryRun), parse.GetValue(store), cancellationToken));
        return command;
    }

    /// <summary>The largest age accepted: a hundred years.</summary>
    internal const int MaxAgeDays = 36_500;

    internal static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        // At most a hundred years in any unit: an age beyond any date the store holds is a mistake, not an overflow.
        age = char.ToLowerInvariant(text[^1]) switch
        {
            'd' when amount <= MaxAgeDays => TimeSpan.FromDays(amount),
            'h' when amount <= MaxAgeDays * 24 => TimeSpan.FromHours(amount),
            'm' when amount <= MaxAgeDays * 24 * 60 => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.MinValue,
        };
        return age != TimeSpan.MinValue;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string ageText, string[] stateTexts, bool dryRun, string? storeOption, CancellationToken cancellationToken)
    {
        if (!TryParseAge(ageText, out var age))
        {
            io.Error.WriteLine($"error: --older-than '{ageText}' is not an age (expected a whole number followed by d, h or m, e.g. 30d, at most {MaxAgeDays}d).");
            return ExitCodes.BadInput;
        }

        var states = new List<WorkflowState>();
        foreach (var text in stateTexts.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Format.TryParseState(text, out var state))
            {
                io.Error.WriteLine($"error: --state '{text}' is not a state (expected pending, running, paused, waiting_for_approval, completed, failed or cancelled).");
                return ExitCodes.BadInput;
            }

            states.Add(state);
        }

        IReadOnlyCollection<WorkflowState> selected = states.Count == 0 ? WorkflowStates.Ended : states.Distinct().ToArray();
        using var session = CliSession.Open(storeOption, null, mustExist: true, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var before = TimeProvider.System.GetUtcNow() - age;
        var old = (await session.Store.ListRunsAsync(new RunQuery { Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false))
            .Where(r => r.UpdatedAt < before)
            .ToArray();
        // A run whose lease is live is being driven (an attempt can outlast the age): the store never deletes it.
        var now = session.Store.Clock.GetUtcNow();
        bool Driven(RunRecord r) => r.LeaseOwner is not null && r.LeaseExpires > now;
        var deleted = dryRun
            ? old.Where(r => selected.Contains(r.State) && !Driven(r)).ToArray()
            : await session.Store.DeleteRunsAsync(before, selected, cancellationToken).ConfigureAwait(false);
        var kept = old.Where(r => !selected.Contains(r.State) && deleted.All(d => d.RunId != r.RunId)).ToArray();
        var driven = old.Where(r => selected.Contains(r.State) && Driven(r) && deleted.All(d => d.RunId != r.RunId)).ToArray();
        if (deleted.Count == 0)
        {
            io.Out.WriteLine(driven.Length == 0
                ? $"No {Describe(selected)} runs last updated before {Format.Time(before)}."
                : $"No {Describe(selected)} run last updated before {Format.Time(before)} can be deleted{(dryRun ? " (dry run)" : string.Empty)}.");
        }
        else
        {
            var table = new Table("RUN", "WORKFLOW", "STATE", "ENTRIES", "SIZE", "UPDATED");
            long total = 0;
            foreach (var run in deleted)
            {
                total += run.SizeBytes;
                table.Add(run.RunId, run.WorkflowName, Format.State(run.State), run.HistoryCount.ToString(CultureInfo.InvariantCulture), Bytes(run.SizeBytes), Format.Time(run.UpdatedAt));
            }

            table.Write(io.Out);
            io.Out.WriteLine(dryRun
                ? $"Would delete {deleted.Count} run(s), {Bytes(total)} (dry run: nothing was deleted)."
                : $"Deleted {deleted.Count} run(s), {Bytes(total)}.");
        }

        if (driven.Length > 0)
        {
            io.Out.WriteLine($"{(dryRun ? "Would keep" : "Kept")} {driven.Length} run(s) a process is driving now (their lease is live): {string.Join(", ", driven.Select(r => r.RunId))}. A run of a process that died is deleted once its lease has expired.");
        }

        var unfinished = kept.Where(r => !r.State.IsEnded()).ToArray();
        if (unfinished.Length > 0)
        {
            var counts = string.Join(", ", unfinished.GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Format.State(g.Key)}"));
            io.Out.WriteLine($"{(dryRun ? "Would keep" : "Kept")} {unfinished.Length} older run(s) that have not ended ({counts}): another process may be driving them. Name their state with --state to delete them.");
        }

        return ExitCodes.Completed;
    }

    private static string Describe(IReadOnlyCollection<WorkflowState> states)
        => ReferenceEquals(states, WorkflowStates.Ended) ? "ended" : string.Join(" or ", states.Select(Format.State));

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
    };
}
