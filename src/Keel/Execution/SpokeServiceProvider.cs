using Microsoft.Extensions.DependencyInjection;

namespace Keel;

/// <summary>
/// The services a worker sees: the host's, except the hub itself, the other workers and the run store
/// (any <see cref="IRunStore"/>), so that a worker cannot call another worker, start a run of its own,
/// or read or write any run (hub and spoke, enforced).
/// </summary>
internal sealed class SpokeServiceProvider(IServiceProvider inner) : IServiceProvider
{
    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (IsHubService(serviceType))
        {
            return null;
        }

        var service = inner.GetService(serviceType);
        return service is IServiceScopeFactory factory ? new SpokeScopeFactory(factory) : service;
    }

    private sealed class SpokeScopeFactory(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        public IServiceScope CreateScope() => new SpokeScope(inner.CreateScope());
    }

    private sealed class SpokeScope(IServiceScope inner) : IServiceScope
    {
        public IServiceProvider ServiceProvider { get; } = new SpokeServiceProvider(inner.ServiceProvider);

        public void Dispose() => inner.Dispose();
    }

    internal static bool IsHubService(Type serviceType)
    {
        if (serviceType == typeof(Orchestrator) || serviceType == typeof(WorkerDefinition) || serviceType == typeof(KeelBuilder)
            || serviceType == typeof(KeelRecoveryService) || typeof(IRunStore).IsAssignableFrom(serviceType))
        {
            return true;
        }

        if (serviceType.IsGenericType)
        {
            foreach (var argument in serviceType.GetGenericArguments())
            {
                if (IsHubService(argument))
                {
                    return true;
                }
            }
        }

        return serviceType == typeof(IServiceProvider);
    }
}
