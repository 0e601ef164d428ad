namespace Keel.Server.Tests.Infrastructure;

/// <summary>Workflows and workers the server tests run: no model, deterministic outputs.</summary>
internal static class TestWorkflows
{
    public const string Quick = "quick";
    public const string Review = "review";

    public static readonly WorkerType Writer = new("writer");
    public static readonly WorkerType Publisher = new("publisher");

    public static void Register(Orchestrator orchestrator, Func<string, Task>? gate = null)
    {
        orchestrator.RegisterWorker(new WorkerDefinition(Writer, "Writer", "Writes a draft from the goal", async (input, context, token) =>
        {
            if (gate is not null)
            {
                await gate(context.Goal).WaitAsync(token).ConfigureAwait(false);
            }

            return new { draft = "draft of " + context.Goal, words = context.Goal.Length };
        }));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(Publisher, "Publisher", (input, context) => new { published = true }, "Publishes the draft"));
        var quick = new WorkflowDefinition(Quick, "Write then publish", "Write something");
        quick.AddStep(new WorkflowStep("write", Writer, "Write the draft", onSuccess: "publish"), isInitial: true);
        quick.AddStep(new WorkflowStep("publish", Publisher, "Publish it"));
        orchestrator.RegisterWorkflow(quick);
        orchestrator.RegisterWorkflow(ReviewWorkflow(null));
    }

    public static WorkflowDefinition ReviewWorkflow(TimeSpan? deadline)
    {
        var review = new WorkflowDefinition(Review, "Write, sign off, publish", "Write a release note");
        review.AddStep(new WorkflowStep("write", Writer, "Write the draft", onSuccess: "sign_off"), isInitial: true);
        review.AddStep(WorkflowStep.Approval("sign_off", "Publish this draft?", onApproved: "publish", onRejected: "failed") with { Timeout = deadline });
        review.AddStep(new WorkflowStep("publish", Publisher, "Publish it"));
        return review;
    }
}
