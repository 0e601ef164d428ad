namespace Keel.Sqlite.Benchmarks;

/// <summary>
/// The workload of the peer comparison (bench/Keel.Peers.Benchmarks) on a SQLite store: the build-website
/// workflow, each worker returning its input plus a short string, the final value checked per run.
/// </summary>
internal static class PeerWorkload
{
    public const int Steps = 3;

    public const string WorkflowName = "build_website";

    public const string Goal = "Build a portfolio website";

    public const string Expected = Goal + " | spec | code | review";

    /// <summary>A store on <paramref name="path"/> at <paramref name="synchronous"/> and an orchestrator over it with the three workers.</summary>
    public static (SqliteRunStore Store, Orchestrator Orchestrator) Open(string path, SqliteSynchronous synchronous)
    {
        // KEEL_BENCH_PAGE_SIZE sets the page size of the file made (to compare sizes); unset, the store's default.
        var options = new SqliteRunStoreOptions { Path = path, Synchronous = synchronous };
        if (Environment.GetEnvironmentVariable("KEEL_BENCH_PAGE_SIZE") is { Length: > 0 } pageSize)
        {
            options.PageSize = int.Parse(pageSize, System.Globalization.CultureInfo.InvariantCulture);
        }

        var store = new SqliteRunStore(options);
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.ProductManager, "pm", "appends a spec", Appending(" | spec")));
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "coder", "appends code", Appending(" | code")));
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Reviewer, "reviewer", "appends a review", Appending(" | review")));
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return (store, orchestrator);
    }

    /// <summary>Throws unless the run completed with three attempts recorded and the workload's final value.</summary>
    public static string Check(WorkflowResult result)
    {
        var output = result.FinalOutput?.GetString();
        if (result.State != WorkflowState.Completed || result.History.Count != Steps || !string.Equals(output, Expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the run ended {result.State} with {result.History.Count} attempts and '{output}' instead of '{Expected}'");
        }

        return output!;
    }

    private static WorkerExecutor Appending(string suffix)
        => (input, _, _) => new ValueTask<object?>(input.GetString() + suffix);
}
