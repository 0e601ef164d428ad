using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace Keel.AI;

/// <summary>
/// Builds the chat client of a configured provider: the provider's client over an HttpClient with the
/// resilience handler, then secret redaction, logging and OpenTelemetry (gen_ai conventions).
/// </summary>
public static class KeelAI
{
    /// <summary>The ActivitySource and Meter name of the model-call telemetry: "Keel.AI".</summary>
    public const string TelemetrySourceName = "Keel.AI";

    /// <summary>The chat client of <paramref name="options"/>' provider: the provider's client over a resilient HttpClient, wrapped in secret redaction, logging and OpenTelemetry.</summary>
    /// <exception cref="KeelException">The model is empty, or the provider's settings are incomplete (the message names the field).</exception>
    public static IChatClient CreateChatClient(KeelAIOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new KeelException($"Model provider {options.Provider}: field 'Model' is empty.");
        }

        var http = ResilientHttp.Create(options.Resilience, options.PrimaryHandler, options.Model);
        var endpoint = Endpoint(options);
        var provider = CreateProviderClient(options, http, endpoint);
        var redactor = new SecretRedactor([options.ApiKey, .. SecretRedactor.SecretsOf(endpoint)]);
        var describe = $"{ProviderName(options.Provider)} model '{options.Model}' at {redactor.Redact($"{endpoint.Scheme}://{endpoint.Authority}{endpoint.AbsolutePath}")}";
        var builder = new ChatClientBuilder(provider)
            .UseOpenTelemetry(options.LoggerFactory, options.TelemetrySourceName, otel => otel.EnableSensitiveData = options.EnableSensitiveTelemetry);
        if (options.LoggerFactory is { } logs)
        {
            builder.UseLogging(logs);
        }

        return builder.Use(inner => new RedactingChatClient(inner, redactor, describe)).Build();
    }

    internal static string ProviderName(ModelProvider provider) => provider switch
    {
        ModelProvider.OpenAI => "openai",
        ModelProvider.OpenAICompatible => "openai-compatible",
        ModelProvider.AzureOpenAI => "azure-openai",
        ModelProvider.Ollama => "ollama",
        _ => provider.ToString(),
    };

    private static Uri Endpoint(KeelAIOptions options) => options.Provider switch
    {
        ModelProvider.OpenAI => options.Endpoint ?? new Uri("https://api.openai.com/v1"),
        ModelProvider.Ollama => options.Endpoint ?? new Uri("http://localhost:11434"),
        ModelProvider.AzureOpenAI => options.Endpoint is { } azure
            ? azure.AbsolutePath.Contains("/openai/v1", StringComparison.Ordinal) ? azure : new Uri(azure, "openai/v1/")
            : throw new KeelException("Model provider azure-openai: field 'Endpoint' (AZURE_OPENAI_ENDPOINT) is not set."),
        _ => options.Endpoint ?? throw new KeelException("Model provider openai-compatible: field 'Endpoint' (OPENAI_BASE_URL) is not set."),
    };

    private static IChatClient CreateProviderClient(KeelAIOptions options, HttpClient http, Uri endpoint)
    {
        if (options.Provider == ModelProvider.Ollama)
        {
            http.BaseAddress = endpoint;
            // Its requests and answers through metadata generated at compile time, so a natively compiled process calls it too.
            return new OllamaApiClient(http, options.Model, OllamaJsonContext.Default);
        }

        var key = options.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            if (options.Provider != ModelProvider.OpenAICompatible)
            {
                throw new KeelException($"Model provider {ProviderName(options.Provider)}: no API key is set ({(options.Provider == ModelProvider.AzureOpenAI ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY")}).");
            }

            key = "not-needed";
        }

        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        };
        return new OpenAIClient(new ApiKeyCredential(key), clientOptions).GetChatClient(options.Model).AsIChatClient();
    }
}

/// <summary>The Ollama chat messages Keel sends and reads, with serialization metadata generated at compile time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OllamaSharp.Models.Chat.ChatRequest))]
[JsonSerializable(typeof(OllamaSharp.Models.Chat.ChatResponseStream))]
[JsonSerializable(typeof(OllamaSharp.Models.Chat.ChatDoneResponseStream))]
[JsonSerializable(typeof(OllamaSharp.Models.ErrorResponse))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class OllamaJsonContext : JsonSerializerContext;
