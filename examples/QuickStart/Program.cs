using Keel;

var orchestrator = new Orchestrator();

orchestrator.RegisterWorker(new WorkerDefinition(
    workerType: WorkerType.ProductManager,
    name: "Product Manager",
    description: "Turns the goal into a spec",
    executor: (input, context, cancellationToken) =>
        ValueTask.FromResult<object?>(new { title = input.GetString(), sections = new[] { "about", "contact" } })));

orchestrator.RegisterWorker(new WorkerDefinition(
    workerType: WorkerType.Coder,
    name: "Coder",
    description: "Writes the page",
    executor: (input, context, cancellationToken) =>
        ValueTask.FromResult<object?>($"<h1>{input.GetProperty("title").GetString()}</h1>"),
    inputTransformer: context => context.GetLastOutput(WorkerType.ProductManager)));

orchestrator.RegisterWorker(WorkerDefinition.FromFunction(
    WorkerType.Reviewer,
    "Reviewer",
    (input, context) => input.GetString()!.Contains("<h1>") ? "approved" : throw new InvalidOperationException("no <h1>")));

orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

var result = await orchestrator.ExecuteWorkflowAsync(
    workflowName: "build_website",
    goal: "Build a portfolio website",
    verbose: true);

Console.WriteLine($"Final State: {result.State}");
foreach (var entry in result.History)
{
    Console.WriteLine($"{entry.StepId} [{entry.WorkerType}] attempt {entry.Attempt}: {entry.Outcome} -> {entry.NextStep}");
}
