using Keel.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.DependencyInjection;

public sealed class AddKeelTests
{
    private sealed class Greeter
    {
        public string Greet(string name) => "Hello, " + name;
    }

    [Fact]
    public async Task AddKeel_WorkersAndWorkflowsFromServices_OrchestratorRunsThem()
    {
        var (pm, coder, _) = Hub.BuildWebsiteWorkers();
        var services = new ServiceCollection();
        services.AddSingleton<Greeter>();
        services.AddKeel(keel => keel
            .AddWorker(pm.Definition)
            .AddWorker(coder.Definition)
            .AddWorker(sp => WorkerDefinition.FromFunction(WorkerType.Reviewer, "DI Reviewer", (input, _) => sp.GetRequiredService<Greeter>().Greet(input.GetString()!)))
            .AddWorkflow(Workflows.CreateBuildWebsiteWorkflow()));
        await using var provider = services.BuildServiceProvider();

        var orchestrator = provider.GetRequiredService<Orchestrator>();
        coder.OnCall = (_, _) => "code";
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.Same(orchestrator, provider.GetRequiredService<Orchestrator>());
        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal("Hello, code", result.FinalOutput!.Value.GetString());
        Assert.Equal("DI Reviewer", result.History[^1].WorkerName);
        Assert.Null(orchestrator.RunStore);
    }

    [Fact]
    public async Task AddKeel_RunStoreTimeProviderAndLoggerFactoryInServices_AreUsed()
    {
        var store = new InMemoryRunStore();
        var clock = new RecordingTimeProvider();
        var logs = new CapturingLoggerFactory();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        IServiceProvider? seen = null;
        pm.OnCall = (_, context) =>
        {
            seen = context.Services;
            return "specs";
        };
        var services = new ServiceCollection();
        services.AddSingleton<IRunStore>(store);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddKeel(keel => keel.AddWorker(pm.Definition).AddWorker(coder.Definition).AddWorker(reviewer.Definition).AddWorkflow(Workflows.CreateBuildWebsiteWorkflow()));
        await using var provider = services.BuildServiceProvider();
        var orchestrator = provider.GetRequiredService<Orchestrator>();

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.Same(store, orchestrator.RunStore);
        var stored = await store.GetRunAsync(result.RunId, CancellationToken.None);
        Assert.Equal(WorkflowState.Completed, stored!.State);
        Assert.Equal(3, (await store.GetHistoryAsync(result.RunId, CancellationToken.None)).Count);
        Assert.All(result.History, e => Assert.Equal(RecordingTimeProvider.Epoch, e.Timestamp));
        Assert.Contains(logs.Logs, l => l.Message.Contains(result.RunId, StringComparison.Ordinal));
        Assert.NotNull(seen!.GetService<TimeProvider>());
    }

    [Fact]
    public async Task AddKeel_UseInMemoryStoreAndConfigure_AreApplied()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var services = new ServiceCollection();
        services.AddKeel(keel => keel
            .AddWorker(pm.Definition).AddWorker(coder.Definition).AddWorker(reviewer.Definition)
            .AddWorkflow(Workflows.CreateBuildWebsiteWorkflow())
            .UseInMemoryStore()
            .Configure(options => options.RunIdFactory = () => "configured-run"));
        await using var provider = services.BuildServiceProvider();
        var orchestrator = provider.GetRequiredService<Orchestrator>();

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.Equal("configured-run", result.RunId);
        Assert.IsType<InMemoryRunStore>(orchestrator.RunStore);
        Assert.Equal(WorkflowState.Completed, (await orchestrator.GetRunAsync("configured-run")).State);
    }

    [Fact]
    public async Task AddKeel_InvalidWorkflow_IsRefusedWhenTheOrchestratorIsResolved()
    {
        var broken = new WorkflowDefinition("broken");
        broken.AddStep(new WorkflowStep("a", "t", onSuccess: "ghost"), isInitial: true);
        var services = new ServiceCollection();
        services.AddKeel(keel => keel.AddWorkflow(broken));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<WorkflowValidationException>(() => provider.GetRequiredService<Orchestrator>());

        Assert.Contains("'ghost'", error.Message, StringComparison.Ordinal);
    }
}

public sealed class SpokeServicesTests
{
    [Fact]
    public async Task Execute_WorkerAsksServicesForTheHubOrTheRunStore_GetsNothing()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        object? seenHub = "unset";
        object? seenWorkers = "unset";
        object? seenScopedHub = "unset";
        object? seenStore = "unset";
        object? seenConcreteStore = "unset";
        object? seenScopedStore = "unset";
        services.AddSingleton<IRunStore>(new InMemoryRunStore());
        services.AddSingleton(new InMemoryRunStore());
        services.AddKeel(keel => keel
            .AddWorker(new WorkerDefinition(WorkerType.Coder, "Coder", "tries to reach the hub", (input, context, ct) =>
            {
                seenHub = context.Services!.GetService(typeof(Orchestrator));
                seenWorkers = context.Services!.GetService(typeof(IEnumerable<WorkerDefinition>));
                var scopes = (Microsoft.Extensions.DependencyInjection.IServiceScopeFactory)context.Services!.GetService(typeof(Microsoft.Extensions.DependencyInjection.IServiceScopeFactory))!;
                using var scope = scopes.CreateScope();
                seenScopedHub = scope.ServiceProvider.GetService(typeof(Orchestrator));
                seenStore = context.Services!.GetService(typeof(IRunStore));
                seenConcreteStore = context.Services!.GetService(typeof(InMemoryRunStore));
                seenScopedStore = scope.ServiceProvider.GetService(typeof(IEnumerable<IRunStore>));
                return ValueTask.FromResult<object?>("done");
            }))
            .AddWorkflow(Workflows.CreateGenericPipeline([("code", WorkerType.Coder, "code")], name: "spoke")));
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var orchestrator = (Orchestrator)provider.GetService(typeof(Orchestrator))!;

        var result = await orchestrator.ExecuteWorkflowAsync("spoke", "goal");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Null(seenHub);
        Assert.Null(seenWorkers);
        Assert.Null(seenScopedHub);
        Assert.Null(seenStore);
        Assert.Null(seenConcreteStore);
        Assert.Null(seenScopedStore);
    }
}
