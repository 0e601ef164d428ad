using System.Diagnostics.CodeAnalysis;
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
            foreach (var listener in sp.GetServices<RunEventListener>())
            {
                options.EventListeners.Add(listener);
            }

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

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a worker.</summary>
    public KeelBuilder AddWorker(WorkerDefinition worker)
    {
        Services.AddSingleton(worker);
        return this;
    }

    private const string ReflectionWorkers = "A class-based worker is built by reflection over its input and output types. "
        + "In a trimmed or natively compiled application, add a WorkerDefinition instead (AddWorker(Func<IServiceProvider, WorkerDefinition>)) whose executor reads and returns JsonElement values.";

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
    [RequiresUnreferencedCode(ReflectionWorkers)]
    [RequiresDynamicCode(ReflectionWorkers)]
    public KeelBuilder AddWorker<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.Interfaces)] TWorker>(WorkerType workerType, string? name = null, string? description = null)
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

    /// <summary>Adds a workflow (validated when the orchestrator is built).</summary>
    public KeelBuilder AddWorkflow(WorkflowDefinition workflow)
    {
        Services.AddSingleton(workflow);
        return this;
    }

    /// <summary>Records runs in <paramref name="store"/>.</summary>
    public KeelBuilder UseRunStore(IRunStore store)
    {
        Services.AddSingleton(store);
        return this;
    }

    /// <summary>Records runs in process memory (<see cref="InMemoryRunStore"/>).</summary>
    public KeelBuilder UseInMemoryStore() => UseRunStore(new InMemoryRunStore());

    /// <summary>
    /// Runs a worker loop for as long as the host runs (a hosted service; needs a run store and a generic
    /// host): it claims pending runs and runs left by stopped processes, up to the orchestrator's free
    /// capacity, and keeps claiming, so a run left by a crashed process is taken over as soon as its lease
    /// expires (at once when that process was on this machine). Decisions then leave driving to it.
    /// </summary>
    public KeelBuilder AddWorkerLoop(WorkerLoopOptions? options = null)
    {
        Services.TryAddSingleton(options ?? new WorkerLoopOptions());
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KeelWorkerService>());
        return this;
    }

    /// <summary>
    /// Resumes runs left by stopped processes: the same worker loop as <see cref="AddWorkerLoop"/>, which
    /// keeps looking, so a run whose lease had not expired at start-up is still taken over once it does.
    /// </summary>
    public KeelBuilder RecoverOnStartup() => AddWorkerLoop();

    /// <summary>Adds a listener that sees every event of every run the orchestrator drives.</summary>
    public KeelBuilder AddEventListener(RunEventListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Services.AddSingleton(listener);
        return this;
    }

    /// <summary>Adjusts the orchestrator's options.</summary>
    public KeelBuilder Configure(Action<OrchestratorOptions> configure)
    {
        Services.AddSingleton(configure);
        return this;
    }
}
