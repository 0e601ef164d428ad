using System.Text.Json;

namespace Keel.AI;

/// <summary>
/// Which model to use, read from a keel.json file or the environment. Keys come only from environment
/// variables: a file names the variable, never the key. <see cref="ToString"/> says which provider and
/// model, and where the setting came from, without the key.
/// </summary>
public sealed class ModelConfiguration
{
    /// <summary>The provider whose API to call.</summary>
    public required ModelProvider Provider { get; init; }

    /// <summary>The model id (for Azure OpenAI, the deployment name).</summary>
    public required string Model { get; init; }

    /// <summary>The provider's base address; the provider's public endpoint when null.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The API key, when one is set; never printed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Where the configuration came from (a file path or the variables read).</summary>
    public required string Source { get; init; }

    /// <summary>The default model when KEEL_MODEL names none: gpt-4o-mini for OpenAI, llama3.2 for Ollama.</summary>
    public static string DefaultModel(ModelProvider provider) => provider == ModelProvider.Ollama ? "llama3.2" : "gpt-4o-mini";

    /// <summary>
    /// The configuration in the environment, or null when none is set. KEEL_MODEL is "provider:model" or a
    /// bare model id (provider: openai, openai-compatible, azure, ollama); without a provider prefix it is
    /// inferred: AZURE_OPENAI_ENDPOINT gives Azure OpenAI, OPENAI_BASE_URL an OpenAI-compatible server,
    /// OPENAI_API_KEY OpenAI, OLLAMA_HOST Ollama.
    /// </summary>
    public static ModelConfiguration? FromEnvironment(Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        string? Read(string name) => env(name) is { Length: > 0 } value ? value.Trim() : null;
        var keelModel = Read("KEEL_MODEL");
        ModelProvider? provider = null;
        string? model = keelModel;
        if (keelModel is not null && keelModel.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && TryParseProvider(keelModel[..colon], out var named))
        {
            provider = named;
            model = keelModel[(colon + 1)..];
        }

        provider ??= Read("AZURE_OPENAI_ENDPOINT") is not null ? ModelProvider.AzureOpenAI
            : Read("OPENAI_BASE_URL") is not null ? ModelProvider.OpenAICompatible
            : Read("OPENAI_API_KEY") is not null ? ModelProvider.OpenAI
            : Read("OLLAMA_HOST") is not null ? ModelProvider.Ollama
            : null;
        if (provider is not { } chosen)
        {
            return keelModel is null ? null : throw new KeelException($"KEEL_MODEL is '{keelModel}' but no provider is configured: set OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT or OLLAMA_HOST, or write the model as 'provider:model'.");
        }

        var (endpointVariable, keyVariable) = Variables(chosen);
        if (chosen == ModelProvider.AzureOpenAI && string.IsNullOrEmpty(model))
        {
            throw new KeelException("AZURE_OPENAI_ENDPOINT is set but KEEL_MODEL (the deployment name) is not.");
        }

        return new ModelConfiguration
        {
            Provider = chosen,
            Model = string.IsNullOrEmpty(model) ? DefaultModel(chosen) : model,
            Endpoint = endpointVariable is null ? null : ParseEndpoint(Read(endpointVariable), endpointVariable),
            ApiKey = keyVariable is null ? null : Read(keyVariable),
            Source = "environment (" + string.Join(", ", new[] { "KEEL_MODEL", endpointVariable, keyVariable }.Where(v => v is not null && Read(v) is not null)) + ")",
        };
    }

    /// <summary>
    /// The "model" section of a keel.json file: provider, name, endpoint and apiKeyVariable (the
    /// environment variable holding the key; default the provider's usual one). An "apiKey" is refused.
    /// </summary>
    public static ModelConfiguration? FromFile(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var env = environment ?? Environment.GetEnvironmentVariable;
        JsonElement root;
        try
        {
            root = KeelJson.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new KeelException($"{path}: not valid JSON: {ex.Message}", ex);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var section))
        {
            return null;
        }

        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new KeelException($"{path}: field 'model' must be an object.");
        }

        if (section.TryGetProperty("apiKey", out _) || section.TryGetProperty("api_key", out _))
        {
            throw new KeelException($"{path}: field 'model.apiKey' is not allowed: keep keys in the environment and name the variable with 'model.apiKeyVariable'.");
        }

        var providerText = Text(section, "provider", path) ?? throw new KeelException($"{path}: field 'model.provider' is missing (openai, openai-compatible, azure or ollama).");
        if (!TryParseProvider(providerText, out var provider))
        {
            throw new KeelException($"{path}: field 'model.provider' is '{providerText}'; expected openai, openai-compatible, azure or ollama.");
        }

        var (endpointVariable, keyVariable) = Variables(provider);
        keyVariable = Text(section, "apiKeyVariable", path) ?? keyVariable;
        var endpointText = Text(section, "endpoint", path) ?? (endpointVariable is null ? null : env(endpointVariable));
        return new ModelConfiguration
        {
            Provider = provider,
            Model = Text(section, "name", path) ?? DefaultModel(provider),
            Endpoint = ParseEndpoint(endpointText, path + ": model.endpoint"),
            ApiKey = keyVariable is null ? null : env(keyVariable) is { Length: > 0 } key ? key : null,
            Source = path,
        };
    }

    /// <summary>keel.json in <paramref name="directory"/> when it has a model section, else the environment, else null.</summary>
    public static ModelConfiguration? Resolve(string? directory = null, Func<string, string?>? environment = null)
    {
        var file = Path.Combine(directory ?? Directory.GetCurrentDirectory(), "keel.json");
        return (File.Exists(file) ? FromFile(file, environment) : null) ?? FromEnvironment(environment);
    }

    /// <summary>The options to build a chat client from.</summary>
    public KeelAIOptions ToOptions() => new() { Provider = Provider, Model = Model, Endpoint = Endpoint, ApiKey = ApiKey };

    /// <summary>A chat client for this configuration (see <see cref="KeelAI.CreateChatClient"/>).</summary>
    public Microsoft.Extensions.AI.IChatClient CreateChatClient() => KeelAI.CreateChatClient(ToOptions());

    /// <summary>Provider, model, endpoint (without credentials), where the setting came from, and whether a key is set (never the key).</summary>
    public override string ToString()
        => $"{KeelAI.ProviderName(Provider)} model '{Model}'" + (Endpoint is null ? string.Empty : $" at {SecretRedactor.Url(Endpoint)}") + $" (from {Source}; key {(ApiKey is null ? "not set" : "set")})";

    private static bool TryParseProvider(string text, out ModelProvider provider)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "openai":
                provider = ModelProvider.OpenAI;
                return true;
            case "openai-compatible" or "openai_compatible" or "compatible":
                provider = ModelProvider.OpenAICompatible;
                return true;
            case "azure" or "azure-openai" or "azure_openai":
                provider = ModelProvider.AzureOpenAI;
                return true;
            case "ollama":
                provider = ModelProvider.Ollama;
                return true;
            default:
                provider = default;
                return false;
        }
    }

    private static (string? Endpoint, string? Key) Variables(ModelProvider provider) => provider switch
    {
        ModelProvider.OpenAI => ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
        ModelProvider.OpenAICompatible => ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
        ModelProvider.AzureOpenAI => ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY"),
        _ => ("OLLAMA_HOST", null),
    };

    private static Uri? ParseEndpoint(string? text, string where)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri)
            ? uri
            : throw new KeelException($"{where}: '{text}' is not an absolute URL.");
    }

    private static string? Text(JsonElement section, string name, string path)
    {
        if (!section.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new KeelException($"{path}: field 'model.{name}' must be a string.");
    }
}
