using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel;

/// <summary>How a dry run plays a plan: scripted outcomes, or recorded workers. Every field is optional.</summary>
public sealed class DryRunOptions
{
    /// <summary>
    /// Scripted outcomes by step id: each attempt of the step takes the next one (true succeeds, false
    /// fails); once a list is spent, or for a step not listed, attempts succeed.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<bool>>? Outcomes { get; init; }

    /// <summary>
    /// Workers to play instead of the scripted ones, by type (for example chat workers over a
    /// <c>ReplayChatClient</c> that serves a recording, so no model is called).
    /// </summary>
    public IReadOnlyList<WorkerDefinition>? Workers { get; init; }

    /// <summary>The run's initial data bus.</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }
}

/// <summary>The path a plan took in a dry run, with the full result of the run.</summary>
public sealed record DryRunResult(Plan Plan, WorkflowResult Result)
{
    /// <summary>The step ids in the order the run visited them (one per visit, retries folded).</summary>
    public IReadOnlyList<string> Path => Result.Path;

    /// <summary>Where the dry run ended (the state of <see cref="Result"/>).</summary>
    public WorkflowState State => Result.State;
}

public sealed partial class OrchestrationService
{
    /// <summary>
    /// Plays <paramref name="plan"/> on a private orchestrator with an in-memory store, with scripted workers
    /// (outputs shaped by each worker's declared output schema) or the recorded workers of
    /// <paramref name="options"/>: no model is called and nothing is stored. Shows the path the plan takes.
    /// </summary>
    public async Task<DryRunResult> DryRunAsync(Plan plan, DryRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new DryRunOptions();
        var hub = new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore(), TimeProvider = _options.TimeProvider });
        var descriptors = (_options.Workers ?? WorkerCatalog.From(Orchestrator)).ToDictionary(w => w.WorkerType);
        var script = new ScriptedOutcomes(options.Outcomes);
        foreach (var type in plan.Workers)
        {
            descriptors.TryGetValue(type, out var descriptor);
            hub.RegisterWorker(ScriptedWorker(type, descriptor, script));
        }

        foreach (var worker in options.Workers ?? [])
        {
            hub.RegisterWorker(worker);
        }

        hub.RegisterWorkflow(plan.Definition);
        var result = await hub.ExecuteWorkflowAsync(plan.Name, plan.Goal, new ExecuteOptions { Data = options.Data }, cancellationToken).ConfigureAwait(false);
        return new DryRunResult(plan, result);
    }

    private static WorkerDefinition ScriptedWorker(WorkerType type, WorkerDescriptor? descriptor, ScriptedOutcomes script)
        => new(type, $"{descriptor?.Name ?? type.Value} (dry run)", "A scripted stand-in: no model call", (input, context, _) =>
        {
            if (!script.Next(context.CurrentStep))
            {
                throw new InvalidOperationException($"scripted failure of step '{context.CurrentStep}' (dry run)");
            }

            object? output = descriptor?.OutputSchema is { } schema
                ? SchemaSample.For(schema, context.CurrentStep)
                : new JsonObject { ["dry_run"] = context.CurrentStep, ["worker"] = type.Value };
            return ValueTask.FromResult(output);
        });

    private sealed class ScriptedOutcomes(IReadOnlyDictionary<string, IReadOnlyList<bool>>? outcomes)
    {
        private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);

        public bool Next(string stepId)
        {
            lock (_used)
            {
                if (outcomes is null || !outcomes.TryGetValue(stepId, out var list))
                {
                    return true;
                }

                var index = _used.GetValueOrDefault(stepId);
                _used[stepId] = index + 1;
                return index >= list.Count || list[index];
            }
        }
    }
}

/// <summary>A value that fits a schema (its required properties filled), for scripted workers.</summary>
internal static class SchemaSample
{
    public static JsonNode? For(JsonElement schema, string label)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return JsonValue.Create(label);
        }

        if (schema.TryGetProperty("enum", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            return JsonNode.Parse(choices[0].GetRawText());
        }

        var type = schema.TryGetProperty("type", out var t) ? (t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x != "null") : t.GetString()) : null;
        switch (type)
        {
            case "object":
                var node = new JsonObject();
                if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        node[property.Name] = For(property.Value, property.Name);
                    }
                }

                return node;
            case "array":
                return schema.TryGetProperty("items", out var items) ? new JsonArray(For(items, label)) : new JsonArray();
            case "integer":
            case "number":
                return JsonValue.Create(1);
            case "boolean":
                return JsonValue.Create(true);
            case "null":
                return null;
            default:
                return JsonValue.Create($"{label} (dry run)");
        }
    }
}
