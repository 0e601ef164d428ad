using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>The mutable state of one run while this process drives it.</summary>
internal sealed class RunSession
{
    public RunSession(CompiledWorkflow workflow, WorkerDefinition?[] workers, WorkflowContext context, ILogger logger, bool verbose)
    {
        Workflow = workflow;
        Workers = workers;
        Context = context;
        Logger = logger;
        Verbose = verbose;
        Visits = new int[workflow.Steps.Length];
    }

    public CompiledWorkflow Workflow { get; }

    public WorkerDefinition?[] Workers { get; }

    public WorkflowContext Context { get; }

    public ILogger Logger { get; }

    public bool Verbose { get; }

    public string RunId => Context.WorkflowId;

    /// <summary>The step to run next, or a terminal index.</summary>
    public int StepIndex { get; set; }

    public int Visit { get; set; } = 1;

    public int Attempt { get; set; } = 1;

    public int StepsTaken { get; set; } = 1;

    public int[] Visits { get; }

    public string? Error { get; set; }

    public long Fence { get; set; }

    public int CommittedDataVersion { get; set; }

    public long? MaxTokens { get; set; }

    public decimal? MaxCost { get; set; }

    public CancellationTokenSource? CancelSource { get; set; }

    public bool CancelRequested { get; set; }

    public string? CancelledBy { get; set; }

    public string? CancelReason { get; set; }

    public bool LeaseLost { get; set; }

    /// <summary>The last checkpoint freed the lease (the run ended or parked): nothing is left to release.</summary>
    public bool LeaseReleased { get; set; }

    public string? Prompt { get; set; }

    /// <summary>Completed when this process stops driving the run (with a store only).</summary>
    public TaskCompletionSource? Ended { get; set; }
}
