using System.Text.Json;
using Keel.Cli.Workers;
using Keel.Demo;

namespace Keel.Cli.Runs;

/// <summary>Rebuilds the workers of a stored run from the workflow file recorded with it (<see cref="RunTags.File"/>).</summary>
internal static class RunWorkers
{
    public static (IReadOnlyList<WorkerDefinition> Workers, string? Error) For(RunRecord run)
    {
        var (workers, _, error) = WithChildren(run);
        return (workers, error);
    }

    /// <summary>
    /// The run's workers and the workflows its sub-workflow steps run (the files its file names, and theirs), so a
    /// resume, an approval or a rejection can start or continue its child runs; the run's own definition is pinned.
    /// </summary>
    public static (IReadOnlyList<WorkerDefinition> Workers, IReadOnlyList<WorkflowDefinition> Children, string? Error) WithChildren(RunRecord run)
    {
        var (workers, error) = Own(run);
        if (error is not null || FileOf(run) is not { } file || !IsWorkflowFile(file))
        {
            return (workers, [], error);
        }

        var problems = new StringWriter();
        if (WorkflowFiles.LoadWithChildren([file], problems) is not var (files, all))
        {
            return ([], [], $"run '{run.RunId}' was started from {file}, whose sub-workflows cannot be used now:" + Environment.NewLine + problems.ToString().TrimEnd());
        }

        // The files come children first (each is registered before a workflow that runs it); the run's own is left out.
        var own = Path.GetFullPath(file);
        return (all, [.. files.Where(f => !string.Equals(Path.GetFullPath(f.Path), own, StringComparison.Ordinal)).Select(f => f.Definition)], null);
    }

    private static (IReadOnlyList<WorkerDefinition> Workers, string? Error) Own(RunRecord run)
    {
        if (!run.InitialData.TryGetValue(RunTags.File, out var tag) || tag.ValueKind != JsonValueKind.String)
        {
            return ([], OtherHost(run));
        }

        var file = tag.GetString()!;
        if (file == RunTags.Demo)
        {
            return (OfflineWorkers.All(), null);
        }

        if (file == RunTags.DemoChat)
        {
            return CliHost.LlmWorkers is ChatLlmWorkerFactory chat
                ? (DemoChatWorkers.All(chat.Client), null)
                : ([], $"run '{run.RunId}' is a demo run on chat workers, and no model is configured now. To configure one, {ModelSetup.HowToConfigure}.");
        }

        if (file.StartsWith(RunTags.PlanPrefix, StringComparison.Ordinal))
        {
            return (Placeholders(run).Select(w => WorkerFactory.Builtin(w.WorkerType.Value)).ToArray(), null);
        }

        var loaded = WorkflowDocument.Load(file);
        if (!loaded.IsValid)
        {
            return ([], $"run '{run.RunId}' was started from {file}, which cannot be used now:" + Environment.NewLine
                + string.Join(Environment.NewLine, loaded.Problems.Select(p => "  " + p)));
        }

        return WorkerFactory.Build(loaded.File!, CliHost.LlmWorkers);
    }

    /// <summary>
    /// The definition the run's workflow file holds now, to resume the run on it or to tell whether the run is
    /// blocked by a change: null with no problem for runs not started from a file (demo and plan runs keep theirs).
    /// </summary>
    public static (WorkflowDefinition? Definition, string? Problem) CurrentDefinition(RunRecord run)
    {
        var file = FileOf(run);
        if (!IsWorkflowFile(file))
        {
            return (null, null);
        }

        if (!File.Exists(file))
        {
            return (null, $"its workflow file {file} no longer exists");
        }

        var loaded = WorkflowDocument.Load(file);
        return loaded.IsValid
            ? (loaded.File!.Definition, null)
            : (null, $"its workflow file {file} cannot be used now: " + string.Join("; ", loaded.Problems.Select(p => p.ToString())));
    }

    /// <summary>Why the keel command cannot drive a run that keel serve or another host started: no workflow file is recorded with it.</summary>
    public static string OtherHost(RunRecord run)
        => $"run '{run.RunId}' (workflow '{run.WorkflowName}') was started by keel serve or another host, not by 'keel run FILE': no workflow file is recorded with it, so its workers are unknown here.";

    /// <summary>Workers that only stand in for the run's worker types (cancelling a run calls none of them).</summary>
    public static IReadOnlyList<WorkerDefinition> Placeholders(RunRecord run)
    {
        var definition = WorkflowDefinitionJson.Deserialize(run.DefinitionJson);
        return definition.Steps
            .Where(s => s.Kind == StepKind.Work)
            .Select(s => s.WorkerType)
            .Distinct()
            .Select(type => new WorkerDefinition(type, type.Value, "placeholder", static (_, _, _) => throw new KeelException("not callable while cancelling")))
            .ToArray();
    }

    /// <summary>False for runs not started from a workflow file: demo and plan runs, and runs of other hosts ("-").</summary>
    private static bool IsWorkflowFile(string file)
        => file != "-" && file != RunTags.Demo && file != RunTags.DemoChat && !file.StartsWith(RunTags.PlanPrefix, StringComparison.Ordinal);

    public static string FileOf(RunRecord run)
        => run.InitialData.TryGetValue(RunTags.File, out var tag) && tag.ValueKind == JsonValueKind.String ? tag.GetString()! : "-";
}
