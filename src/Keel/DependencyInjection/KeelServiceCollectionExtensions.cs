using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>Registers Keel in a service collection: <c>services.AddKeel(keel => keel.AddWorker(...).AddWorkflow(...))</c>.</summary>
public static class KeelServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="Orchestrator"/> built from the registered workers, workflows, run store
    /// (<see cref="IRunStore"/>), <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/>.
    /// </summary>
    public static IServiceCollection AddKeel(this IServiceCollection services, Action<KeelBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new KeelBuilder(services);
        configure?.Invoke(builder);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = new OrchestratorOptions
            {
                TimeProvider = sp.GetRequiredService<TimeProvider>(),
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                RunStore = sp.GetService<IRunStore>(),
                Services = sp,
            };
            foreach (var configureOptions in sp.GetServices<Action<OrchestratorOptions>>())
            {
                configureOptions(options);
            }

            var orchestrator = new Orchestrator(options);
            foreach (var worker in sp.GetServices<WorkerDefinition>())
            {
                orchestrator.RegisterWorker(worker);
            }

            foreach (var workflow in sp.GetServices<WorkflowDefinition>())
            {
                orchestrator.RegisterWorkflow(workflow);
            }

            return orchestrator;
        });
        return services;
    }
}

/// <summary>Configures Keel's registrations.</summary>
public sealed class KeelBuilder
{
    internal KeelBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    public KeelBuilder AddWorker(WorkerDefinition worker)
    {
        Services.AddSingleton(worker);
        return this;
    }

    /// <summary>Adds a worker built from services (for executors that need injected dependencies).</summary>
    public KeelBuilder AddWorker(Func<IServiceProvider, WorkerDefinition> factory)
    {
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>
    /// Adds a class-based worker (an <see cref="IWorker{TInput, TOutput}"/>) for <paramref name="workerType"/>:
    /// each attempt resolves a new <typeparamref name="TWorker"/> from a new scope; its input and output
    /// schemas come from its types. The name defaults to the class name, the description to its
    /// <see cref="System.ComponentModel.DescriptionAttribute"/>.
    /// </summary>
    public KeelBuilder AddWorker<TWorker>(WorkerType workerType, string? name = null, string? description = null)
        where TWorker : class
    {
        ServiceWorkers.WorkerTypes(typeof(TWorker));
        Services.TryAddTransient<TWorker>();
        Services.AddSingleton(sp => ServiceWorkers.Definition(typeof(TWorker), sp, workerType, name, description));
        return this;
    }

    /// <summary>
    /// Adds a singleton <see cref="OrchestrationService"/> over the orchestrator, with the registered
    /// <see cref="IPlanner"/> (default: the <see cref="CatalogPlanner"/> over the seed's templates) and
    /// <see cref="IPlanStore"/> (default: in memory).
    /// </summary>
    public KeelBuilder AddPlanning(Action<OrchestrationServiceOptions>? configure = null)
    {
        Services.TryAddSingleton<IPlanner>(_ => new CatalogPlanner());
        Services.TryAddSingleton<IPlanStore>(_ => new InMemoryPlanStore());
        Services.TryAddSingleton(sp =>
        {
            var options = new OrchestrationServiceOptions { TimeProvider = sp.GetRequiredService<TimeProvider>() };
            configure?.Invoke(options);
            return new OrchestrationService(sp.GetRequiredService<Orchestrator>(), sp.GetRequiredService<IPlanner>(), sp.GetRequiredService<IPlanStore>(), options);
        });
        return this;
    }

    public KeelBuilder AddWorkflow(WorkflowDefinition workflow)
    {
        Services.AddSingleton(workflow);
        return this;
    }

    public KeelBuilder UseRunStore(IRunStore store)
    {
        Services.AddSingleton(store);
        return this;
    }

    public KeelBuilder UseInMemoryStore() => UseRunStore(new InMemoryRunStore());

    /// <summary>
    /// Resumes, when the host starts, every stored run that was running when its process stopped
    /// (a hosted service; needs a run store and a generic host).
    /// </summary>
    public KeelBuilder RecoverOnStartup()
    {
        Services.AddHostedService<KeelRecoveryService>();
        return this;
    }

    public KeelBuilder Configure(Action<OrchestratorOptions> configure)
    {
        Services.AddSingleton(configure);
        return this;
    }
}
