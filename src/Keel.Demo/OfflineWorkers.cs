using System.Text;
using System.Text.Json;

namespace Keel.Demo;

/// <summary>
/// The workers of the build-website pipeline (<see cref="Workflows.CreateBuildWebsiteWorkflow"/>) that
/// run without a model: each does real work whose result can be checked.
/// </summary>
public static class OfflineWorkers
{
    /// <summary>Turns the goal into a <see cref="SiteSpec"/> (title, audience, sections); the same goal gives the same spec.</summary>
    public static WorkerDefinition ProductManager()
        => new(
            workerType: WorkerType.ProductManager,
            name: "Product Manager",
            description: "Turns the goal into a specification: title, audience, sections",
            executor: static (input, context, _) =>
            {
                var goal = input.ValueKind == JsonValueKind.String ? input.GetString()! : context.Goal;
                return new ValueTask<object?>(DemoJson.Write(SpecWriter.Write(goal), DemoJson.SiteSpec));
            });

    /// <summary>
    /// Renders the spec of the last product manager output as an HTML page (<see cref="SitePage"/>). With
    /// <see cref="DemoOptions.CoderForgetsASection"/>, the first draft leaves out the spec's last section;
    /// after a failed review, the coder reads the reviewer's error from the history and renders every section.
    /// </summary>
    public static WorkerDefinition Coder(DemoOptions? options = null)
    {
        var forget = (options ?? new DemoOptions()).CoderForgetsASection;
        return new WorkerDefinition(
            workerType: WorkerType.Coder,
            name: "Coder",
            description: "Renders the specification as an HTML page",
            executor: (input, context, _) => new ValueTask<object?>(DemoJson.Write(Code(input, context, forget), DemoJson.SitePage)),
            inputTransformer: static context => context.GetLastOutput(WorkerType.ProductManager));
    }

    /// <summary>
    /// Checks the last page against the last spec: it parses, has the spec's title, an h1 and every
    /// section. Returns a <see cref="ReviewReport"/>, or fails the attempt with a
    /// <see cref="ReviewFailedException"/> that lists what is missing.
    /// </summary>
    public static WorkerDefinition Reviewer()
        => new(
            workerType: WorkerType.Reviewer,
            name: "Reviewer",
            description: "Checks the page against the specification",
            executor: static (input, _, _) => new ValueTask<object?>(DemoJson.Write(Review(input), DemoJson.ReviewReport)),
            inputTransformer: static context => DemoJson.Write(
                new ReviewInput(
                    DemoJson.Read(context.GetLastOutput(WorkerType.ProductManager), DemoJson.SiteSpec),
                    DemoJson.Read(context.GetLastOutput(WorkerType.Coder), DemoJson.SitePage)),
                DemoJson.ReviewInput));

    /// <summary>The three workers of the build-website pipeline.</summary>
    public static IReadOnlyList<WorkerDefinition> All(DemoOptions? options = null)
        => [ProductManager(), Coder(options), Reviewer()];

    private static SitePage Code(JsonElement input, WorkflowContext context, bool forget)
    {
        var spec = DemoJson.Read(input, DemoJson.SiteSpec)
            ?? throw new KeelException("the coder needs a spec: no product manager output in the run's history");

        string? lastReview = null;
        var reviewed = false;
        var drafts = 0;
        foreach (var entry in context.History)
        {
            if (entry.WorkerType == WorkerType.Reviewer)
            {
                reviewed = true;
                lastReview = entry.Outcome == AttemptOutcome.Succeeded ? null : entry.Error;
            }
            else if (entry.WorkerType == WorkerType.Coder && entry.Outcome == AttemptOutcome.Succeeded)
            {
                drafts++;
            }
        }

        var sections = spec.Sections;
        if (forget && !reviewed && sections.Count > 1)
        {
            sections = [.. sections.Take(sections.Count - 1)];
        }

        var html = PageRenderer.Render(spec, sections);
        var ids = new List<string>(sections.Count);
        foreach (var section in sections)
        {
            ids.Add(section.Id);
        }

        return new SitePage(spec.Title, html, ids, drafts + 1, lastReview);
    }

    private static ReviewReport Review(JsonElement input)
    {
        var request = DemoJson.Read(input, DemoJson.ReviewInput);
        if (request?.Spec is not { } spec)
        {
            throw new ReviewFailedException(["there is no spec to review against: no product manager output in the run's history"]);
        }

        if (request.Page is not { } page)
        {
            throw new ReviewFailedException(["there is no page to review: no coder output in the run's history"]);
        }

        var problems = PageReviewer.Check(spec, page.Html);
        if (problems.Count > 0)
        {
            throw new ReviewFailedException(problems);
        }

        var found = new List<string>(spec.Sections.Count);
        foreach (var section in spec.Sections)
        {
            found.Add(section.Id);
        }

        return new ReviewReport(true, spec.Title, found, page.Draft, Encoding.UTF8.GetByteCount(page.Html));
    }
}
