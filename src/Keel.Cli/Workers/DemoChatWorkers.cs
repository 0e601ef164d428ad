using System.Text.Json;
using Keel.AI;
using Keel.Demo;
using Microsoft.Extensions.AI;

namespace Keel.Cli.Workers;

/// <summary>
/// The build-website pipeline's three roles as chat workers: the product manager writes the spec, the
/// coder writes the page, the reviewer checks the page against the spec. Every answer is JSON checked
/// against a schema (the shapes of <see cref="SiteSpec"/>, <see cref="SitePage"/> and a review), and a
/// review that does not approve fails the attempt with the reviewer's problems, which the coder reads
/// on its next visit.
/// </summary>
internal static class DemoChatWorkers
{
    public const string ProductManagerInstructions = """
        You are the product manager of a small web team. Write the specification of a one-page website for this goal:
        {{goal}}
        Answer with JSON only: a short "title" for the page, the "audience" it is for, and 3 to 5 "sections", each with
        an "id" (lowercase letters and hyphens, used as the HTML element id), a "heading" and a one-sentence "summary"
        of what the section says.
        """;

    public const string CoderInstructions = """
        You are the web developer of the team. Write one self-contained HTML5 page (inline CSS, no scripts, no external
        resources) for this specification:
        {{input.spec}}
        The page has a <title> and an <h1> with the spec's title, and one <section id="..."> per spec section, in order,
        each with an <h2> heading and real content for the goal: {{goal}}
        Problems the reviewer found in the previous draft, to fix now: {{input.review}}
        Answer with JSON only: "title" (the page title), "html" (the whole page) and "sections" (the section ids rendered, in order).
        """;

    public const string ReviewerInstructions = """
        You are the reviewer of the team. Check the page below against its specification: it has the spec's title in
        <title> and <h1>, one <section> with the right id for every spec section, in order, and content that serves the goal.
        Specification: {{input.spec}}
        Page: {{input.page.html}}
        Answer with JSON only: "approved" (true when the page meets the spec) and "problems" (what must change; empty when approved).
        """;

    public const string SpecSchema = """
        {"type":"object","required":["title","audience","sections"],"additionalProperties":false,"properties":{
          "title":{"type":"string"},"audience":{"type":"string"},
          "sections":{"type":"array","items":{"type":"object","required":["id","heading","summary"],"additionalProperties":false,
            "properties":{"id":{"type":"string"},"heading":{"type":"string"},"summary":{"type":"string"}}}}}}
        """;

    public const string PageSchema = """
        {"type":"object","required":["title","html","sections"],"additionalProperties":false,"properties":{
          "title":{"type":"string"},"html":{"type":"string"},"sections":{"type":"array","items":{"type":"string"}}}}
        """;

    public const string ReviewSchema = """
        {"type":"object","required":["approved","problems"],"additionalProperties":false,"properties":{
          "approved":{"type":"boolean"},"problems":{"type":"array","items":{"type":"string"}}}}
        """;

    private const string NoProblems = "none (this is the first draft)";

    public static IReadOnlyList<WorkerDefinition> All(IChatClient client)
    {
        var productManager = ChatWorker.Create(WorkerType.ProductManager, "Product Manager", client, ProductManagerInstructions, new ChatWorkerOptions
        {
            Description = "Writes the specification: title, audience, sections",
            OutputSchema = SpecSchema,
            SchemaName = "site_spec",
            UserTemplate = "{{goal}}",
        });
        var coder = ChatWorker.Create(WorkerType.Coder, "Coder", client, CoderInstructions, new ChatWorkerOptions
        {
            Description = "Writes the page from the specification",
            OutputSchema = PageSchema,
            SchemaName = "site_page",
            UserTemplate = "Write the page.",
        });
        var reviewer = ChatWorker.Create(WorkerType.Reviewer, "Reviewer", client, ReviewerInstructions, new ChatWorkerOptions
        {
            Description = "Checks the page against the specification",
            OutputSchema = ReviewSchema,
            SchemaName = "review",
            UserTemplate = "Review the page.",
        });
        return
        [
            productManager,
            WithInput(coder, static context => new Dictionary<string, object?> { ["spec"] = context.GetLastOutput(WorkerType.ProductManager), ["review"] = LastReviewProblems(context) }),
            RejectUnapproved(WithInput(reviewer, static context => new Dictionary<string, object?> { ["spec"] = context.GetLastOutput(WorkerType.ProductManager), ["page"] = context.GetLastOutput(WorkerType.Coder) })),
        ];
    }

    private static WorkerDefinition WithInput(WorkerDefinition worker, InputTransformer input)
        => new(worker.WorkerType, worker.Name, worker.Description, worker.Executor, input, worker.OutputTransformer, worker.OutputValidator);

    /// <summary>A review that does not approve fails the attempt, with the problems as the error.</summary>
    private static WorkerDefinition RejectUnapproved(WorkerDefinition reviewer)
    {
        var inner = reviewer.Executor;
        WorkerExecutor executor = async (input, context, cancellationToken) =>
        {
            var output = await inner(input, context, cancellationToken).ConfigureAwait(false);
            if (output is JsonElement review && review.GetProperty("approved").ValueKind == JsonValueKind.False)
            {
                var problems = review.GetProperty("problems").EnumerateArray().Select(p => p.GetString() ?? string.Empty).Where(p => p.Length > 0).ToArray();
                throw new ReviewFailedException(problems.Length == 0 ? ["the reviewer did not approve the page and named no problem"] : problems);
            }

            return output;
        };
        return new WorkerDefinition(reviewer.WorkerType, reviewer.Name, reviewer.Description, executor, reviewer.InputTransformer, reviewer.OutputTransformer, reviewer.OutputValidator);
    }

    /// <summary>The error of the last review when it failed (what the coder must fix), else a note that there is none.</summary>
    private static string LastReviewProblems(WorkflowContext context)
    {
        for (var i = context.History.Count - 1; i >= 0; i--)
        {
            var entry = context.History[i];
            if (entry.WorkerType == WorkerType.Reviewer)
            {
                return entry.Outcome.IsSuccess() ? NoProblems : entry.Error ?? NoProblems;
            }
        }

        return NoProblems;
    }
}
