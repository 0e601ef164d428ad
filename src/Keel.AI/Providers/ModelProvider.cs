namespace Keel.AI;

/// <summary>The kinds of model endpoint Keel can configure.</summary>
public enum ModelProvider
{
    /// <summary>api.openai.com, with OPENAI_API_KEY.</summary>
    OpenAI,

    /// <summary>Any server speaking OpenAI chat completions at a base URL (vLLM, llama.cpp server, LM Studio).</summary>
    OpenAICompatible,

    /// <summary>Azure OpenAI through its v1 API (<c>{endpoint}/openai/v1/</c>); the model is the deployment name.</summary>
    AzureOpenAI,

    /// <summary>An Ollama server (OLLAMA_HOST, default http://localhost:11434).</summary>
    Ollama,
}
