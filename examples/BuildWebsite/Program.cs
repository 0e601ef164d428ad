// The basic example: a product manager, a coder and a reviewer on the build-website pipeline.
// The workers come from Keel.Demo and run offline: the product manager turns the goal into a spec,
// the coder renders an HTML page from it, the reviewer checks the page against the spec.
// The coder's first draft misses a section, so the review fails and the hub sends the coder back.
//
//   dotnet run --project examples/BuildWebsite [-- OUTPUT_FOLDER]
using Keel;
using Keel.Demo;
using static Keel.Workflows;

var productManager = OfflineWorkers.ProductManager();
var coder = OfflineWorkers.Coder(new DemoOptions { CoderForgetsASection = true });
var reviewer = OfflineWorkers.Reviewer();

// 1. Create orchestrator
var orchestrator = new Orchestrator();

// 2. Register workers
orchestrator.RegisterWorker(
    new WorkerDefinition(
        workerType: WorkerType.ProductManager,
        name: "Product Manager",
        description: "Creates specifications",
        executor: productManager.Executor));

orchestrator.RegisterWorker(
    new WorkerDefinition(
        workerType: WorkerType.Coder,
        name: "Coder",
        description: "Implements code",
        executor: coder.Executor,
        inputTransformer: coder.InputTransformer));

orchestrator.RegisterWorker(
    new WorkerDefinition(
        workerType: WorkerType.Reviewer,
        name: "Reviewer",
        description: "Reviews code against the specification",
        executor: reviewer.Executor,
        inputTransformer: reviewer.InputTransformer));

// 3. Register workflow
var workflow = CreateBuildWebsiteWorkflow();
orchestrator.RegisterWorkflow(workflow);

// 4. Execute workflow
var result = await orchestrator.ExecuteWorkflowAsync(
    workflowName: "build_website",
    goal: "Build a portfolio website",
    verbose: true);

Console.WriteLine();
Console.WriteLine($"Final State: {result.State}");
Console.WriteLine($"Path: {string.Join(" -> ", result.Path)}");
Console.WriteLine("History:");
foreach (var entry in result.History)
{
    var error = entry.Error is null ? string.Empty : $"  ({entry.Error})";
    Console.WriteLine($"  {entry.Sequence + 1}. {entry.Timestamp:HH:mm:ss.fff} {entry.StepId} [{entry.WorkerType}/{entry.WorkerName}] attempt {entry.Attempt}: {entry.Outcome} -> {entry.NextStep}{error}");
}

if (result.State != WorkflowState.Completed)
{
    Console.WriteLine($"Error: {result.Error}");
    return 1;
}

var folder = args.Length > 0 ? args[0] : Path.Combine(Environment.CurrentDirectory, "site");
var page = await DemoSite.WriteAsync(result, folder);
Console.WriteLine();
Console.WriteLine($"Site written to {page}");
return 0;
