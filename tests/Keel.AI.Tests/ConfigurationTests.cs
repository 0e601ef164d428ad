using Microsoft.Extensions.DependencyInjection;

namespace Keel.AI.Tests;

public sealed class ConfigurationTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void NoVariables_MeansNoProvider()
        => Assert.Null(ModelConfiguration.FromEnvironment(Env()));

    [Fact]
    public void OpenAIKey_GivesOpenAIWithTheDefaultModel_AndToStringHidesTheKey()
    {
        var config = ModelConfiguration.FromEnvironment(Env(("OPENAI_API_KEY", "sk-abcdefghijklmnop")))!;

        Assert.Equal(ModelProvider.OpenAI, config.Provider);
        Assert.Equal("gpt-4o-mini", config.Model);
        Assert.Equal("sk-abcdefghijklmnop", config.ApiKey);
        Assert.Equal("openai model 'gpt-4o-mini' (from environment (OPENAI_API_KEY); key set)", config.ToString());
    }

    [Fact]
    public void BaseUrl_GivesAnOpenAICompatibleServer()
    {
        var config = ModelConfiguration.FromEnvironment(Env(("OPENAI_BASE_URL", "http://localhost:8000/v1"), ("KEEL_MODEL", "qwen2.5")))!;

        Assert.Equal(ModelProvider.OpenAICompatible, config.Provider);
        Assert.Equal("qwen2.5", config.Model);
        Assert.Equal(new Uri("http://localhost:8000/v1"), config.Endpoint);
    }

    [Fact]
    public void BaseUrl_WithUserAndPassword_IsShownWithoutThem()
    {
        var config = ModelConfiguration.FromEnvironment(Env(("OPENAI_BASE_URL", "http://user:PASSWORD@llm.internal:8000/v1"), ("KEEL_MODEL", "qwen2.5")))!;

        Assert.Equal("user:PASSWORD", config.Endpoint!.UserInfo);
        Assert.Equal("openai-compatible model 'qwen2.5' at http://[redacted]@llm.internal:8000/v1 (from environment (KEEL_MODEL, OPENAI_BASE_URL); key not set)", config.ToString());
    }

    [Fact]
    public void ProviderPrefix_InKeelModel_Wins()
    {
        var config = ModelConfiguration.FromEnvironment(Env(("KEEL_MODEL", "ollama:llama3.1"), ("OPENAI_API_KEY", "sk-abcdefghijklmnop"), ("OLLAMA_HOST", "gpu-box:11434")))!;

        Assert.Equal(ModelProvider.Ollama, config.Provider);
        Assert.Equal("llama3.1", config.Model);
        Assert.Equal(new Uri("http://gpu-box:11434"), config.Endpoint);
        Assert.Null(config.ApiKey);
    }

    [Fact]
    public void Azure_NeedsTheDeploymentName()
    {
        var error = Assert.Throws<KeelException>(() => ModelConfiguration.FromEnvironment(Env(("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com"), ("AZURE_OPENAI_API_KEY", "k"))));
        Assert.Contains("KEEL_MODEL (the deployment name)", error.Message);

        var config = ModelConfiguration.FromEnvironment(Env(("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com"), ("AZURE_OPENAI_API_KEY", "k"), ("KEEL_MODEL", "my-gpt4o")))!;
        Assert.Equal(ModelProvider.AzureOpenAI, config.Provider);
        Assert.Equal("k", config.ApiKey);
    }

    [Fact]
    public void KeelModelWithoutProvider_IsAClearError()
    {
        var error = Assert.Throws<KeelException>(() => ModelConfiguration.FromEnvironment(Env(("KEEL_MODEL", "gpt-4o"))));
        Assert.Contains("no provider is configured", error.Message);
    }

    [Fact]
    public void KeelJson_NamesTheKeyVariable_AndRefusesAKey()
    {
        var directory = Directory.CreateTempSubdirectory("keel-config").FullName;
        var file = Path.Combine(directory, "keel.json");
        File.WriteAllText(file, """{"model":{"provider":"openai-compatible","name":"mistral","endpoint":"http://127.0.0.1:1234/v1","apiKeyVariable":"LMSTUDIO_KEY"}}""");

        var config = ModelConfiguration.Resolve(directory, Env(("LMSTUDIO_KEY", "secret-value"), ("OPENAI_API_KEY", "ignored")))!;

        Assert.Equal(ModelProvider.OpenAICompatible, config.Provider);
        Assert.Equal("mistral", config.Model);
        Assert.Equal("secret-value", config.ApiKey);
        Assert.Equal(file, config.Source);
        Assert.DoesNotContain("secret-value", config.ToString());

        File.WriteAllText(file, """{"model":{"provider":"openai","apiKey":"sk-in-a-file"}}""");
        var error = Assert.Throws<KeelException>(() => ModelConfiguration.FromFile(file, Env()));
        Assert.Contains("'model.apiKey' is not allowed", error.Message);

        File.WriteAllText(file, """{"model":{"provider":"bedrock"}}""");
        Assert.Contains("'model.provider' is 'bedrock'", Assert.Throws<KeelException>(() => ModelConfiguration.FromFile(file, Env())).Message);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ConfiguredOpenAICompatibleServer_IsReachedThroughTheBuiltClient()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content("pong"));
        var config = ModelConfiguration.FromEnvironment(Env(("OPENAI_BASE_URL", server.BaseUrl.ToString()), ("KEEL_MODEL", "local-model")))!;

        var response = await config.CreateChatClient().GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "ping")]);

        Assert.Equal("pong", response.Text);
        Assert.Equal("local-model", server.Requests[0].Body.GetProperty("model").GetString());
    }

    [Fact]
    public void MissingKeyOrEndpoint_IsAClearError()
    {
        Assert.Contains("no API key", Assert.Throws<KeelException>(() => KeelAI.CreateChatClient(new KeelAIOptions { Provider = ModelProvider.OpenAI, Model = "gpt-4o" })).Message);
        Assert.Contains("'Endpoint' (OPENAI_BASE_URL)", Assert.Throws<KeelException>(() => KeelAI.CreateChatClient(new KeelAIOptions { Provider = ModelProvider.OpenAICompatible, Model = "m" })).Message);
    }

    [Fact]
    public async Task AddKeelChatClient_RegistersTheConfiguredModel()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Content("from di"));
        var config = ModelConfiguration.FromEnvironment(Env(("OPENAI_BASE_URL", server.BaseUrl.ToString()), ("KEEL_MODEL", "di-model")))!;
        using var services = new ServiceCollection().AddLogging().AddKeelChatClient(config).BuildServiceProvider();

        var client = services.GetRequiredService<Microsoft.Extensions.AI.IChatClient>();
        var response = await client.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "hi")]);

        Assert.Equal("from di", response.Text);
        Assert.Equal("di-model", server.Requests[0].Body.GetProperty("model").GetString());
    }
}
