using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>How a chat worker calls its model. Every field is optional.</summary>
public sealed record ChatWorkerOptions
{
    /// <summary>The worker's description (shown by tools). Default: empty.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>
    /// The JSON schema the answer must satisfy (the supported subset: type, required, properties, items,
    /// enum, additionalProperties). Default: none, and the answer is recorded as text.
    /// </summary>
    public string? OutputSchema { get; init; }

    /// <summary>The schema's name as sent to the model. Default: "output".</summary>
    public string SchemaName { get; init; } = "output";

    /// <summary>The model id to request. Default: the chat client's own model.</summary>
    public string? Model { get; init; }

    /// <summary>Sampling temperature. Default: the provider's.</summary>
    public float? Temperature { get; init; }

    /// <summary>Most output tokens per call. Default: the provider's.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Calls the model in streaming mode (the answer is assembled before it is checked). Default false.</summary>
    public bool Streaming { get; init; }

    /// <summary>Prices per model: with one, every reported usage carries its cost. Default: none.</summary>
    public PriceTable? Prices { get; init; }

    /// <summary>
    /// The user message: a template like the instructions. Default: the step's input (<c>{{input}}</c>).
    /// </summary>
    public string UserTemplate { get; init; } = "{{input}}";

    /// <summary>Last touch on the request options before each call (tools, provider-specific settings).</summary>
    public Action<ChatOptions>? ConfigureOptions { get; init; }
}
