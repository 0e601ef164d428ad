using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Keel.AI.Tests;

internal static class TestClients
{
    public const string Key = "sk-keeltest-0123456789abcdefSECRET";

    /// <summary>The real OpenAI client, through Keel's pipeline, pointed at the loopback server.</summary>
    public static IChatClient For(OpenAIServer server, ILoggerFactory? logs = null, int retries = 2) => KeelAI.CreateChatClient(new KeelAIOptions
    {
        Provider = ModelProvider.OpenAICompatible,
        Model = "gpt-test",
        Endpoint = server.BaseUrl,
        ApiKey = Key,
        LoggerFactory = logs,
        Resilience = new ModelResilienceOptions { MaxRetryAttempts = retries, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(30) },
    });
}
