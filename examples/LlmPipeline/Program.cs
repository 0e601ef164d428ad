// The LLM pipeline of the README, kept here so the build compiles it.
using Keel;
using Keel.AI;

var model = ModelConfiguration.Resolve()?.CreateChatClient()
    ?? throw new InvalidOperationException("Set OPENAI_API_KEY or OLLAMA_HOST.");

var orchestrator = new Orchestrator();
orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", model,
    "You are a product manager. Write the specification of: {{goal}}.");
orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", model,
    "Implement the page titled {{input.title}} with the sections {{input.sections}}. {{feedback}} Answer with HTML only.");
orchestrator.RegisterChatWorker(WorkerType.Reviewer, "Reviewer", model,
    "Review this page against the goal: {{goal}}. Approve it, or list what to change.",
    new() { OutputSchema = """{"type":"object","properties":{"approved":{"type":"boolean"},"comments":{"type":"string"}},"required":["approved","comments"]}""" });
orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio site for a photographer");
Console.WriteLine($"{result.State}: {string.Join(" -> ", result.Path)}, {result.Usage?.TotalTokens} tokens");

public sealed record Spec(string Title, string[] Sections);
