namespace Keel.Tests.Readme;

/// <summary>The README's review loop with feedback, in C#: the code between the markers is the README's, line for line.</summary>
public sealed class ReviewLoopReadmeTests
{
    [Fact]
    public async Task ReadmeReviewLoop_ReviewerRequestsChanges_CoderReadsTheCommentAndIsApproved()
    {
        // README: begin
        var workflow = new WorkflowDefinition("review_loop", goal: "A landing page");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder, onSuccess: "review"), isInitial: true);
        workflow.AddStep(new WorkflowStep("review", WorkerType.Reviewer)
        {
            OnLabel = new Dictionary<string, string> { ["approve"] = WorkflowStep.Complete, ["request_changes"] = "write" },
            LabelFrom = LabelReader.Field("verdict"),
        });

        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Coder, "Coder", (input, context) =>
            context.Feedback is { Output: { } review } // set when the reviewer sent the page back
                ? $"<h1>Hello</h1><p>{review.GetProperty("comment").GetString()}</p>"
                : "<h1>Hello</h1>"));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Reviewer, "Reviewer", (input, context) =>
            input.GetString()!.Contains("<p>")
                ? new { verdict = "approve", comment = "" }
                : new { verdict = "request_changes", comment = "add a paragraph" }));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("review_loop");
        Console.WriteLine(string.Join(" -> ", result.Path)); // write -> review -> write -> review
        // README: end

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["write", "review", "write", "review"], result.Path);
        Assert.Equal("<h1>Hello</h1><p>add a paragraph</p>", result.History[2].Output.GetString());
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        foreach (var line in Between(File.ReadAllLines(Path.Combine(Root, "tests", "Keel.Tests", "Readme", "ReviewLoopReadmeTests.cs"))))
        {
            Assert.Contains(line, readme, StringComparison.Ordinal);
        }
    }

    private static string Root
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Keel.sln")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException("Keel.sln not found above " + AppContext.BaseDirectory);
        }
    }

    private static IEnumerable<string> Between(string[] lines)
    {
        var inside = false;
        foreach (var line in lines)
        {
            if (line.Trim() == "// README: end")
            {
                yield break;
            }

            if (inside && line.Trim().Length > 0)
            {
                yield return line.Trim();
            }

            inside |= line.Trim() == "// README: begin";
        }
    }
}
