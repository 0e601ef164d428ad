using Keel.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keel;

/// <summary>Registers the configured model as the host's <see cref="IChatClient"/>.</summary>
public static class KeelAIServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IChatClient"/> for <paramref name="configuration"/> (default: keel.json
    /// in the current directory, else the environment), logging through the host's logger factory.
    /// Throws when no model is configured, naming the variables it read.
    /// </summary>
    public static IServiceCollection AddKeelChatClient(this IServiceCollection services, ModelConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var config = configuration ?? ModelConfiguration.Resolve()
            ?? throw new KeelException("No model is configured: set KEEL_MODEL with OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT or OLLAMA_HOST, or add a 'model' section to keel.json.");
        services.AddSingleton(config);
        services.AddSingleton<IChatClient>(provider =>
        {
            return KeelAI.CreateChatClient(new KeelAIOptions
            {
                Provider = config.Provider,
                Model = config.Model,
                Endpoint = config.Endpoint,
                ApiKey = config.ApiKey,
                LoggerFactory = provider.GetService<ILoggerFactory>(),
            });
        });
        return services;
    }
}
