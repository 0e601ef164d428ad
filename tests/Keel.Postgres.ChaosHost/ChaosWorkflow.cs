namespace Keel.Postgres.ChaosHost;

/// <summary>
/// Five steps with a loop-back: the reviewer fails the first visit of every run and sends it back to the
/// coder, so each run records seven attempts (plan, code, review, code, review, test, deploy). The coder and
/// the reviewer call a "model" held to a cluster-wide limit.
/// </summary>
public static class ChaosWorkflow
{
    public const string Name = "chaos";

    public const string Model = "chaos-model";

    public const int ModelLimit = 3;

    public const int AttemptsPerRun = 7;

    /// <summary>Most runs of the workflow driven at once across the cluster (below the three workers' capacity, so it binds).</summary>
    public const int RunLimit = 10;

    public static WorkflowDefinition Create()
    {
        var workflow = new WorkflowDefinition(Name, "A five-step pipeline with a loop-back", "ship it");
        workflow.AddStep(new WorkflowStep("plan", WorkerType.ProductManager, "", "code", "failed"), isInitial: true);
        workflow.AddStep(new WorkflowStep("code", WorkerType.Coder, "", "review", "failed"));
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer, "", "test", "code"));
        workflow.AddStep(new WorkflowStep("test", WorkerType.Tester, "", "deploy", "failed"));
        workflow.AddStep(new WorkflowStep("deploy", WorkerType.Deployer, "", "complete", "failed"));
        return workflow;
    }

    /// <summary>One call record: what was called, by which process, and when it began or ended (UTC ticks).</summary>
    public static string Line(string what, AttemptInfo attempt, string model, int pid, long ticks)
        => string.Join('|', what, attempt.IdempotencyKey, attempt.RunId, attempt.StepId, attempt.Visit, attempt.Number, model, pid, ticks);
}
