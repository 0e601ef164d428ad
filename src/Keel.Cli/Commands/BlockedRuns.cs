using System.Text;
using System.Text.Json;
using Keel.Cli.Runs;
using Keel.Cli.Workers;

namespace Keel.Cli.Commands;

/// <summary>
/// <c>keel runs --blocked</c>: the pending and running runs nobody can drive on the workflow file they were
/// started from, because the file now holds another definition (or cannot be used at all), with the commands
/// that unblock each one. A run's lease must be free (its process stopped) for it to be listed.
/// </summary>
internal static class BlockedRuns
{
    private sealed record Blocked(RunRecord Run, string File, string? CurrentHash, string Reason);

    public static async Task<int> ExecuteAsync(CommandIo io, CliSession session, string? workflow, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        var blocked = await FindAsync(session, workflow, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            WriteJson(io.Out, blocked, storeOption);
        }
        else if (blocked.Count == 0)
        {
            io.Out.WriteLine($"No run is blocked by a changed definition in {session.StorePath}.");
        }
        else
        {
            Write(io.Out, blocked, storeOption);
        }

        return ExitCodes.Completed;
    }

    private static async Task<IReadOnlyList<Blocked>> FindAsync(CliSession session, string? workflow, CancellationToken cancellationToken)
    {
        var now = session.Store.Clock.GetUtcNow();
        var candidates = new List<RunRecord>();
        foreach (var state in (WorkflowState[])[WorkflowState.Running, WorkflowState.Pending])
        {
            candidates.AddRange(await session.Store.ListRunsAsync(new RunQuery { State = state, WorkflowName = workflow, LeaseFreeAt = now, Limit = 10_000 }, cancellationToken).ConfigureAwait(false));
        }

        var blocked = new List<Blocked>();
        foreach (var group in candidates.GroupBy(RunWorkers.FileOf, StringComparer.Ordinal))
        {
            var (definition, problem) = RunWorkers.CurrentDefinition(group.First());
            if (definition is null)
            {
                if (problem is not null)
                {
                    blocked.AddRange(group.Select(run => new Blocked(run, group.Key, null, problem)));
                }

                continue;
            }

            // The library decides what is blocked: an orchestrator with the file's definition registered, as
            // `keel worker` has, after the workflows its sub-workflow steps run (a definition naming an unknown
            // workflow is refused).
            var problems = new StringWriter();
            if (WorkflowFiles.LoadWithChildren([group.Key], problems) is not var (files, _))
            {
                var why = $"its workflow file {group.Key} cannot be used now: " + problems.ToString().Trim().ReplaceLineEndings("; ");
                blocked.AddRange(group.Select(run => new Blocked(run, group.Key, null, why)));
                continue;
            }

            var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = session.Store });
            foreach (var file in files)
            {
                orchestrator.RegisterWorkflow(file.Definition);
            }

            var ids = group.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
            foreach (var run in await orchestrator.ListBlockedRunsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (ids.Contains(run.Run.RunId))
                {
                    blocked.Add(new Blocked(run.Run, group.Key, run.RegisteredHash, $"its workflow '{run.Run.WorkflowName}' changed since it started: {(run.Run.ParentRunId is { } parent && run.Run.ParentSequence is null ? $"the sub-workflow files of {group.Key} (run {parent}) now hold" : group.Key + " now holds")} definition {Short(run.RegisteredHash)}"));
                }
            }
        }

        return blocked.OrderBy(b => b.Run.CreatedAt).ThenBy(b => b.Run.RunId, StringComparer.Ordinal).ToArray();
    }

    private static void Write(TextWriter output, IReadOnlyList<Blocked> blocked, string? storeOption)
    {
        var suffix = StorePaths.Suffix(storeOption);
        output.WriteLine($"{blocked.Count} run(s) blocked: pinned to the definition each started on, which its workflow file no longer holds, so no worker drives them.");
        foreach (var item in blocked)
        {
            var run = item.Run;
            output.WriteLine();
            output.WriteLine($"{run.RunId}  {run.WorkflowName}  {Format.State(run.State)} at step '{run.CurrentStep}'  ({item.File})");
            output.WriteLine($"  pinned to   {Short(run.DefinitionHash)}");
            output.WriteLine($"  blocked     {item.Reason}");
            if (item.CurrentHash is not null)
            {
                output.WriteLine($"  resume it on the new definition:  keel resume {run.RunId} --allow-definition-change{suffix}");
            }

            output.WriteLine($"  resume it on its pinned one:      keel resume {run.RunId}{suffix}");
            output.WriteLine($"  or cancel it:                     keel cancel {run.RunId} --reason \"definition changed\"{suffix}");
        }
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<Blocked> blocked, string? storeOption)
    {
        var suffix = StorePaths.Suffix(storeOption);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            writer.WriteStartArray();
            foreach (var item in blocked)
            {
                var run = item.Run;
                writer.WriteStartObject();
                writer.WriteString("run_id", run.RunId);
                writer.WriteString("workflow", run.WorkflowName);
                writer.WriteString("state", Format.State(run.State));
                writer.WriteString("current_step", run.CurrentStep);
                writer.WriteString("file", item.File);
                writer.WriteString("pinned_hash", run.DefinitionHash);
                if (item.CurrentHash is null)
                {
                    writer.WriteNull("current_hash");
                }
                else
                {
                    writer.WriteString("current_hash", item.CurrentHash);
                }

                writer.WriteString("reason", item.Reason);
                writer.WriteStartArray("choices");
                if (item.CurrentHash is not null)
                {
                    writer.WriteStringValue($"keel resume {run.RunId} --allow-definition-change{suffix}");
                }

                writer.WriteStringValue($"keel resume {run.RunId}{suffix}");
                writer.WriteStringValue($"keel cancel {run.RunId} --reason \"definition changed\"{suffix}");
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
