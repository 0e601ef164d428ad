using Keel.AI;

namespace Keel.Cli.Workers;

/// <summary>
/// Which model the keel command uses: keel.json in the current folder, else the environment
/// (KEEL_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_*, OLLAMA_HOST), else none.
/// </summary>
internal static class ModelSetup
{
    public const string HowToConfigure = "set KEEL_MODEL and OPENAI_API_KEY, or OLLAMA_HOST "
        + "(OPENAI_BASE_URL for an OpenAI-compatible server, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY for Azure OpenAI, or a 'model' section in keel.json: see docs/ai.md)";

    /// <summary>Sets <see cref="CliHost.LlmWorkers"/> from the configuration, unless a host set it already; false (with the reason written) when the configuration is wrong.</summary>
    public static bool Configure(TextWriter error)
    {
        if (CliHost.LlmWorkers is not null)
        {
            return true;
        }

        try
        {
            if (ModelConfiguration.Resolve() is { } configuration)
            {
                CliHost.LlmWorkers = new ChatLlmWorkerFactory(configuration);
            }

            return true;
        }
        catch (KeelException ex)
        {
            error.WriteLine("error: the model configuration is not usable: " + ex.Message);
            return false;
        }
    }

    /// <summary>The line a command prints about the model it uses (or that it uses none).</summary>
    public static string Notice(string offline)
        => CliHost.LlmWorkers is { } llm ? $"Model: {llm.Description}" : OfflineNotice(offline);

    /// <summary>The line a command prints when it runs without a model.</summary>
    public static string OfflineNotice(string offline)
        => CliHost.LlmWorkers is null ? $"No model configured: {offline}. To use one, {HowToConfigure}." : $"The model is not used here: {offline}.";
}
