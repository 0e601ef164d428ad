using Keel.Tests.Fakes;

namespace Keel.Tests.Model;

public sealed class WorkerDefinitionTests
{
    private sealed record Specs(string Title, int Pages);

    private sealed record Page(string Html);

    [Fact]
    public void RegisterWorker_MissingNameOrTypeOrExecutor_IsRefusedNamingTheField()
    {
        var orchestrator = new Orchestrator();

        var noName = Assert.Throws<KeelException>(() => orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, " ", "d", (i, c, t) => default)));
        var noType = Assert.Throws<KeelException>(() => orchestrator.RegisterWorker(new WorkerDefinition { WorkerType = default, Name = "Nameless type", Executor = (i, c, t) => default }));
        var noExecutor = Assert.Throws<KeelException>(() => orchestrator.RegisterWorker(new WorkerDefinition { WorkerType = WorkerType.Coder, Name = "Idle", Executor = null! }));

        Assert.Contains("'name'", noName.Message, StringComparison.Ordinal);
        Assert.Contains("'worker_type'", noType.Message, StringComparison.Ordinal);
        Assert.Contains("'executor'", noExecutor.Message, StringComparison.Ordinal);
        Assert.Empty(orchestrator.Workers);
    }

    [Fact]
    public async Task RegisterWorker_SameTypeAgain_ReplacesTheWorker()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Coder, "Old", (_, _) => "old"));
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.Coder, "New", (_, _) => "new"));
        orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("code", WorkerType.Coder, "Code")]));

        var result = await orchestrator.ExecuteWorkflowAsync("generic_pipeline", "g");

        Assert.Equal(("New", "new"), (result.History[0].WorkerName, result.FinalOutput!.Value.GetString()));
        Assert.Single(orchestrator.Workers);
    }

    [Fact]
    public async Task TypedWorkers_ReadAndWriteRecords()
    {
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction(WorkerType.ProductManager, "PM", (input, _) => new Specs(input.GetString()!, 4)));
        orchestrator.RegisterWorker(WorkerDefinition.Create<Specs, Page>(WorkerType.Coder, "Typed coder", (specs, context, _) =>
            new ValueTask<Page>(new Page($"<h1>{specs!.Title}</h1> x{specs.Pages} (pm said {context.GetLastOutput<Specs>(WorkerType.ProductManager)!.Title})"))));
        orchestrator.RegisterWorkflow(Workflows.CreateGenericPipeline([("specs", WorkerType.ProductManager, "Specs"), ("code", WorkerType.Coder, "Code")]));

        var result = await orchestrator.ExecuteWorkflowAsync("generic_pipeline", "Shop");

        Assert.Equal("<h1>Shop</h1> x4 (pm said Shop)", result.GetFinalOutput<Page>()!.Html);
        Assert.Equal("Shop", result.History[0].Output.GetProperty("title").GetString());
    }

    [Fact]
    public async Task StepInputTransformer_TakesPrecedenceOverTheWorkers()
    {
        var worker = new FakeWorker(WorkerType.Coder) { InputTransformer = _ => "from worker" };
        var workflow = new WorkflowDefinition("precedence");
        workflow.AddStep(new WorkflowStep("a", WorkerType.Coder, onSuccess: "b") { InputTransformer = _ => "from step" }, isInitial: true);
        workflow.AddStep(new WorkflowStep("b", WorkerType.Coder));
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(worker);
        orchestrator.RegisterWorkflow(workflow);

        await orchestrator.ExecuteWorkflowAsync("precedence", "g");

        Assert.Equal(["from step", "from worker"], worker.Calls.Select(c => c.Input.GetString()));
    }
}
