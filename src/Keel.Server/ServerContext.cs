using System.Collections.Concurrent;
using Keel.Server.Definitions;
using Keel.Server.Events;
using Keel.Server.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keel.Server;

/// <summary>What every endpoint works with: the orchestrator, its store, the launcher, the definitions.</summary>
internal sealed class ServerContext(
    Orchestrator orchestrator,
    IRunStore store,
    RunLauncher launcher,
    DefinitionCatalog catalog,
    RunChanges changes,
    KeelServerOptions options,
    ILogger logger)
{
    private readonly ConcurrentDictionary<string, WorkflowDefinition> _pinned = new(StringComparer.Ordinal);

    public Orchestrator Orchestrator { get; } = orchestrator;

    /// <summary>Plans goals into frozen definitions (the catalog planner unless the host configured another).</summary>
    public OrchestrationService Planning { get; } = options.Planning?.Invoke(orchestrator) ?? new OrchestrationService(orchestrator);

    public IRunStore Store { get; } = store;

    public RunLauncher Launcher { get; } = launcher;

    public DefinitionCatalog Catalog { get; } = catalog;

    public RunChanges Changes { get; } = changes;

    public KeelServerOptions Options { get; } = options;

    public TimeProvider Time => Options.TimeProvider;

    /// <summary>The runs a resume request of this server is driving now (one at a time per run).</summary>
    public ConcurrentDictionary<string, byte> Resuming { get; } = new(StringComparer.Ordinal);

    public ILogger Logger { get; } = logger;

    /// <summary>How long an operation waits for its effect to be recorded before answering 202 anyway.</summary>
    public static TimeSpan RecordTimeout => TimeSpan.FromSeconds(30);

    /// <summary>Who is acting: the key's name, else the name given, else <c>anonymous</c>.</summary>
    public static string Actor(HttpContext http, string? given)
    {
        var key = Security.ApiKeyMiddleware.Actor(http);
        var name = string.IsNullOrWhiteSpace(given) ? null : given.Trim();
        return (key, name) switch
        {
            (null, null) => "anonymous",
            (null, _) => name!,
            (_, null) => key,
            _ when string.Equals(key, name, StringComparison.Ordinal) => key,
            _ => $"{name} (key {key})",
        };
    }

    /// <summary>The definition a run is pinned to, read once per hash.</summary>
    public WorkflowDefinition PinnedDefinition(RunRecord run)
        => _pinned.GetOrAdd(run.DefinitionHash, static (_, json) => WorkflowDefinitionJson.Deserialize(json), run.DefinitionJson);
}
