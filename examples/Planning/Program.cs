using Keel;

// The service automatically creates the pipeline: Product Manager -> Coder -> Reviewer.
var pipeline = OrchestrationService.Create(goal: "Build a Website");

Console.WriteLine($"Plan {pipeline.Hash[..12]}: {string.Join(" -> ", pipeline.Workers)}");
Console.WriteLine($"Why: {pipeline.Planning.Explanation}");

// Register workers for the planned types, then dry-run, freeze, approve and run the plan.
var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore() });
orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.ProductManager, "Product Manager", (input, context) => new { title = context.Goal, sections = new[] { "about", "contact" } }));
orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Coder, "Coder", (input, context) => $"<h1>{input.GetProperty("title").GetString()}</h1>"));
orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Reviewer, "Reviewer", (input, context) => input.GetString()!.Contains("<h1>") ? "approved" : throw new InvalidOperationException("no <h1>")));

var service = new OrchestrationService(orchestrator);
var plan = await service.CreateAsync("Build a portfolio website");

var dryRun = await service.DryRunAsync(plan);
Console.WriteLine($"Dry run: {string.Join(" -> ", dryRun.Path)} ({dryRun.State})");

plan = await service.FreezeAsync(plan);
plan = await service.ApproveAsync(plan.Hash, approvedBy: "ana");

var result = await service.RunAsync(plan);
Console.WriteLine($"Final State: {result.State}");
foreach (var entry in result.History)
{
    Console.WriteLine($"{entry.StepId} [{entry.WorkerType}] attempt {entry.Attempt}: {entry.Outcome} -> {entry.NextStep}");
}
