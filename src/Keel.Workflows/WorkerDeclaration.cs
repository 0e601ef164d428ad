using System.Text.Json;

namespace Keel;

/// <summary>How a worker type of a workflow file is implemented.</summary>
public enum WorkerKind
{
    /// <summary>One of the offline demo workers: product_manager, coder, reviewer.</summary>
    Builtin,
    /// <summary>A process: the step's input as JSON on stdin, its output as JSON on stdout.</summary>
    Command,
    /// <summary>A model call, built by an factory the host supplies (the keel command uses the configured model provider).</summary>
    Llm,
}

/// <summary>A worker declared under <c>workers:</c> in a workflow file.</summary>
public sealed record WorkerDeclaration
{
    /// <summary>The worker type the declaration implements (its key under <c>workers:</c>).</summary>
    public required string WorkerType { get; init; }

    /// <summary>How the worker type is implemented: a built-in demo worker, a command, or a model call.</summary>
    public required WorkerKind Kind { get; init; }

    /// <summary>What the worker does (the file's <c>description</c>). Empty when not given.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>command: the program to start.</summary>
    public string? Command { get; init; }

    /// <summary>command: its arguments, passed as they are (no shell).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>command: its working directory, relative to the workflow file's folder; default that folder.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>command: environment variables set for the process (they win over inherited ones).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// command: names of keel's own environment variables the process inherits, beyond the default allowlist
    /// (PATH, HOME, LANG, ...); a name ending in <c>*</c> is a prefix (<c>AWS_*</c>). Nothing else is inherited.
    /// </summary>
    public IReadOnlyList<string> InheritEnv { get; init; } = [];

    /// <summary>llm: the instructions (a template over the step's input, the goal and the data bus).</summary>
    public string? Instructions { get; init; }

    /// <summary>llm: the model name; default the configured provider's.</summary>
    public string? Model { get; init; }

    /// <summary>llm: a JSON Schema the output must satisfy.</summary>
    public JsonElement? OutputSchema { get; init; }

    /// <summary>The folder of the file the worker was declared in (commands run there by default).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();
}
