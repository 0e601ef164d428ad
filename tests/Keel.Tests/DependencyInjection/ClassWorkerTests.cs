using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.DependencyInjection;

public sealed class ClassWorkerTests
{
    public sealed record Spec(string Title, string[] Sections);

    public sealed record Page(string Html);

    /// <summary>A scoped dependency: one per attempt, disposed after it.</summary>
    public sealed class AttemptScope : IDisposable
    {
        private static int _created;

        public AttemptScope() => Id = Interlocked.Increment(ref _created);

        public int Id { get; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public sealed class Tracker
    {
        public List<(int WorkerId, AttemptScope Scope)> Calls { get; } = [];
    }

    [Description("Writes the specification of the goal")]
    public sealed class SpecWriter : IWorker<string, Spec>
    {
        public ValueTask<Spec> ExecuteAsync(string input, WorkflowContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(new Spec(input, ["about", "contact"]));
    }

    public sealed class PageCoder(AttemptScope scope, Tracker tracker) : IWorker<Spec, Page>
    {
        private static int _instances;
        private readonly int _id = Interlocked.Increment(ref _instances);

        public ValueTask<Page> ExecuteAsync(Spec input, WorkflowContext context, CancellationToken cancellationToken)
        {
            tracker.Calls.Add((_id, scope));
            if (context.Attempt.Number == 1 && context.Attempt.Visit == 1)
            {
                throw new InvalidOperationException("first draft rejected");
            }

            return ValueTask.FromResult(new Page($"<h1>{input.Title}</h1>" + string.Concat(input.Sections.Select(s => $"<section>{s}</section>"))));
        }
    }

    public sealed class PageReviewer : IWorker<Page, bool>
    {
        public ValueTask<bool> ExecuteAsync(Page input, WorkflowContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(input.Html.Contains("<h1>", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(Tracker tracker) => new ServiceCollection()
        .AddSingleton(tracker)
        .AddScoped<AttemptScope>()
        .AddKeel(keel => keel
            .AddWorker<SpecWriter>(WorkerType.ProductManager)
            .AddWorker<PageCoder>(WorkerType.Coder, name: "Coder", description: "Writes the page")
            .AddWorker<PageReviewer>(WorkerType.Reviewer)
            .AddWorkflow(Workflows.CreateBuildWebsiteWorkflow())
            .AddPlanning())
        .BuildServiceProvider();

    [Fact]
    public async Task AddWorker_ClassWorker_NewInstanceAndScopePerAttempt()
    {
        var tracker = new Tracker();
        await using var services = Build(tracker);
        var orchestrator = services.GetRequiredService<Orchestrator>();

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Lens & Light");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(2, tracker.Calls.Count);
        Assert.NotEqual(tracker.Calls[0].WorkerId, tracker.Calls[1].WorkerId);
        Assert.NotEqual(tracker.Calls[0].Scope.Id, tracker.Calls[1].Scope.Id);
        Assert.All(tracker.Calls, call => Assert.True(call.Scope.Disposed));
        Assert.Equal("<h1>Lens & Light</h1><section>about</section><section>contact</section>", result.History[^2].Output.GetProperty("html").GetString());
    }

    [Fact]
    public async Task AddWorker_ClassWorker_DescribesItselfWithSchemasFromItsTypes()
    {
        await using var services = Build(new Tracker());
        var workers = services.GetRequiredService<Orchestrator>().Workers.ToDictionary(w => w.WorkerType);

        var pm = workers[WorkerType.ProductManager];
        var coder = workers[WorkerType.Coder];
        Assert.Equal(("SpecWriter", "Writes the specification of the goal"), (pm.Name, pm.Description));
        Assert.Equal(("Coder", "Writes the page"), (coder.Name, coder.Description));
        Assert.Equal("string", pm.InputSchema!.Value.GetProperty("type").GetString());
        Assert.True(pm.OutputSchema!.Value.GetProperty("properties").TryGetProperty("sections", out _));
        Assert.True(coder.InputSchema!.Value.GetProperty("properties").TryGetProperty("title", out _));
        Assert.Equal("boolean", workers[WorkerType.Reviewer].OutputSchema!.Value.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AddPlanning_PlansFromTheClassWorkers_AndTheirSchemasChain()
    {
        await using var services = Build(new Tracker());
        var service = services.GetRequiredService<OrchestrationService>();

        var plan = await service.CreateAsync("Build a website");
        var result = await service.RunAsync(plan);

        Assert.True(plan.Validation.IsValid, string.Join("; ", plan.Validation.Problems));
        Assert.DoesNotContain(plan.Validation.Notes, n => n.Contains("not checked", StringComparison.Ordinal));
        Assert.Equal(WorkflowState.Completed, result.State);
    }

    [Fact]
    public void AddWorker_ClassWithoutIWorker_IsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKeel(keel => keel.AddWorker<Tracker>(WorkerType.Coder)));

        Assert.Contains("'Tracker' does not implement IWorker<TInput, TOutput>", error.Message, StringComparison.Ordinal);
    }

    public sealed record Draft(string Title);

    public sealed class DraftWriter : IWorker<string, Draft>
    {
        public ValueTask<Draft> ExecuteAsync(string input, WorkflowContext context, CancellationToken cancellationToken) => ValueTask.FromResult(new Draft(input));
    }

    [Fact]
    public async Task AddPlanning_OutputThatDoesNotFitTheNextInput_RejectsThePlan()
    {
        await using var services = new ServiceCollection()
            .AddSingleton(new Tracker())
            .AddScoped<AttemptScope>()
            .AddKeel(keel => keel
                .AddWorker<DraftWriter>(WorkerType.ProductManager)
                .AddWorker<PageCoder>(WorkerType.Coder)
                .AddWorker<PageReviewer>(WorkerType.Reviewer)
                .AddPlanning())
            .BuildServiceProvider();
        var service = services.GetRequiredService<OrchestrationService>();

        var error = await Assert.ThrowsAsync<PlanRejectedException>(() => service.CreateAsync("Build a website"));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("implement_code", problem.StepId);
        Assert.Contains("required property 'sections' is not produced", problem.Message, StringComparison.Ordinal);
    }
}
