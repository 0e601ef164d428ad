using Keel.Cli.Workers;

namespace Keel.Cli;

/// <summary>What the keel command is composed with. A model provider package sets <see cref="LlmWorkers"/>.</summary>
public static class CliHost
{
    /// <summary>Builds the workers of <c>llm</c> declarations; null when no model provider is configured.</summary>
    public static ILlmWorkerFactory? LlmWorkers { get; set; }
}
