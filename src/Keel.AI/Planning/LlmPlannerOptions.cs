using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>How the LLM planner asks its model. Every field is optional.</summary>
public sealed record LlmPlannerOptions
{
    /// <summary>The model id to request. Default: the chat client's own model.</summary>
    public string? Model { get; init; }

    /// <summary>Sampling temperature. Default 0, so the same prompt tends to the same proposal.</summary>
    public float? Temperature { get; init; } = 0;

    /// <summary>Most output tokens per proposal. Default: the provider's.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Extra guidance placed in the instructions, after Keel's own rules (never before them). Default: none.</summary>
    public string? Guidance { get; init; }

    /// <summary>Last touch on the request options before each call.</summary>
    public Action<ChatOptions>? ConfigureOptions { get; init; }
}
