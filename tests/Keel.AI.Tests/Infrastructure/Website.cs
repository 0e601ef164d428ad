using Microsoft.Extensions.AI;

namespace Keel.AI.Tests;

public sealed record Spec(string Title, string[] Sections);

/// <summary>The build-website pipeline with chat workers, and a server script that plays its three roles.</summary>
internal static class Website
{
    public const string Goal = "Portfolio site for a photographer";

    public const string ReviewSchema = """
        {"type":"object","properties":{"approved":{"type":"boolean"},"comments":{"type":"string"}},"required":["approved"],"additionalProperties":false}
        """;

    public const string SpecJson = """{"title":"Lens & Light","sections":["gallery","contact"]}""";

    public const string Html = "<html><h1>Lens & Light</h1><section>gallery</section><section>contact</section></html>";

    public static Orchestrator Orchestrator(IChatClient client, OrchestratorOptions? options = null, PriceTable? prices = null)
    {
        var orchestrator = new Orchestrator(options ?? new OrchestratorOptions());
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", client, "You are a product manager. Write the specification of: {{goal}}. Audience: {{data.audience}}.", new ChatWorkerOptions { Prices = prices });
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", client, "You are a web developer. Implement the page titled {{input.title}} with the sections {{input.sections}}.", new ChatWorkerOptions { Streaming = true, Prices = prices });
        orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", client, "Review this page against the goal: {{goal}}", new ChatWorkerOptions { OutputSchema = ReviewSchema, Prices = prices });
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        return orchestrator;
    }

    public static ExecuteOptions Options(long? maxTokens = null, decimal? maxCost = null)
        => new() { Data = new Dictionary<string, object?> { ["audience"] = "art buyers" }, MaxTokens = maxTokens, MaxCost = maxCost };

    /// <summary>Answers as the role named in the system message.</summary>
    public static Reply Respond(ReceivedRequest request, int index)
    {
        var system = request.Messages[0].Content;
        return system.Contains("product manager", StringComparison.Ordinal) ? Reply.Content(SpecJson, 40, 20)
            : system.Contains("web developer", StringComparison.Ordinal) || system.StartsWith("Implement", StringComparison.Ordinal) ? Reply.Content(Html, 30, 60)
            : Reply.Content("""{"approved":true,"comments":"clear and complete"}""", 50, 10);
    }
}
