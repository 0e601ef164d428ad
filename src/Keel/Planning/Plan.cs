using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel;

/// <summary>
/// A goal's plan: a workflow definition in Keel's own format, its content hash (SHA-256 of the canonical
/// definition JSON, the same hash a run is pinned to), how it was made and how it was checked. Frozen
/// once stored in a plan store; an approval attaches to its hash.
/// </summary>
public sealed class Plan
{
    private readonly WorkflowDefinition _definition;

    /// <summary>A plan for <paramref name="goal"/>: a copy of <paramref name="definition"/> (later changes to it are not seen), hashed at once.</summary>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="approval"/> is null.</exception>
    public Plan(string goal, WorkflowDefinition definition, PlanningRecord planning, PlanValidationReport validation, DateTimeOffset createdAt, PlanApproval? approval = null, bool isFrozen = false)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(planning);
        ArgumentNullException.ThrowIfNull(validation);
        Goal = goal;
        _definition = definition.Clone();
        DefinitionJson = WorkflowDefinitionJson.Serialize(_definition);
        Hash = WorkflowDefinitionJson.Hash(DefinitionJson);
        Planning = planning;
        Validation = validation;
        CreatedAt = createdAt;
        Approval = approval;
        IsFrozen = isFrozen;
    }

    /// <summary>The goal the plan was made for.</summary>
    public string Goal { get; }

    /// <summary>A copy of the planned definition.</summary>
    public WorkflowDefinition Definition => _definition.Clone();

    /// <summary>The canonical JSON of the definition (Keel's own format, snake_case).</summary>
    public string DefinitionJson { get; }

    /// <summary>SHA-256 (hex) of <see cref="DefinitionJson"/>: the plan's identity, and the definition hash its runs are pinned to.</summary>
    public string Hash { get; }

    /// <summary>The workflow name of the definition.</summary>
    public string Name => _definition.Name;

    /// <summary>The worker types of the plan's steps, in step order, each once.</summary>
    public IReadOnlyList<WorkerType> Workers => _definition.Steps.SelectMany(PlanGraph.WorkerTypes).Distinct().ToArray();

    /// <summary>How the plan was made.</summary>
    public PlanningRecord Planning { get; }

    /// <summary>How the plan was checked.</summary>
    public PlanValidationReport Validation { get; }

    /// <summary>When the plan was made (the planning clock).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Who approved the plan and when; null until approved.</summary>
    public PlanApproval? Approval { get; }

    /// <summary>True when an approval is attached.</summary>
    public bool IsApproved => Approval is not null;

    /// <summary>True once the plan is stored in a plan store (its definition can no longer change).</summary>
    public bool IsFrozen { get; }

    /// <summary>The plan's state machine, for drawing (<see cref="MermaidFormatter"/>, <see cref="DotFormatter"/>).</summary>
    public WorkflowGraph Graph => WorkflowGraph.From(_definition);

    /// <summary>The same plan, frozen.</summary>
    public Plan Freeze() => IsFrozen ? this : new Plan(Goal, _definition, Planning, Validation, CreatedAt, Approval, isFrozen: true);

    /// <summary>The same plan with an approval (or without one, for null).</summary>
    public Plan WithApproval(PlanApproval? approval) => new(Goal, _definition, Planning, Validation, CreatedAt, approval, IsFrozen);

    /// <summary>The plan's name, the first 12 hex digits of its hash, and its steps in order.</summary>
    public override string ToString() => $"{Name} {Hash[..12]} ({string.Join(" -> ", _definition.Steps.Select(s => s.StepId))})";

    /// <summary>The plan as JSON (snake_case), as plan stores keep it.</summary>
    public string ToJson() => JsonSerializer.Serialize(PlanDocument.From(this), PlanDocument.TypeInfo);

    /// <summary>Reads a plan written by <see cref="ToJson"/>. Throws <see cref="KeelException"/> when the stored hash does not match the definition.</summary>
    public static Plan FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var document = JsonSerializer.Deserialize(json, PlanDocument.TypeInfo) ?? throw new KeelException("The plan JSON is empty.");
        return document.ToPlan();
    }

    internal sealed class PlanDocument
    {
        public static readonly JsonSerializerOptions Options = CreateOptions(KeelJson.Reflects);

        public static readonly JsonTypeInfo<PlanDocument> TypeInfo = (JsonTypeInfo<PlanDocument>)Options.GetTypeInfo(typeof(PlanDocument));

        internal static JsonSerializerOptions CreateOptions(bool reflection)
        {
            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
                TypeInfoResolver = KeelJson.OwnRecords(reflection),

                // The dialect's encoder: no needless escapes (\u0027, \u002B) in a plan's text.
                Encoder = KeelJson.Encoder,
            };
            KeelJson.AddEnumConverters(options, JsonNamingPolicy.SnakeCaseLower, reflection);
            options.MakeReadOnly();
            return options;
        }

        public string Hash { get; set; } = string.Empty;

        public string Goal { get; set; } = string.Empty;

        public JsonElement Definition { get; set; }

        public PlanningRecord? Planning { get; set; }

        public PlanValidationReport? Validation { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public PlanApproval? Approval { get; set; }

        public static PlanDocument From(Plan plan) => new()
        {
            Hash = plan.Hash,
            Goal = plan.Goal,
            Definition = KeelJson.Parse(plan.DefinitionJson),
            Planning = plan.Planning,
            Validation = plan.Validation,
            CreatedAt = plan.CreatedAt,
            Approval = plan.Approval,
        };

        public Plan ToPlan()
        {
            var definition = WorkflowDefinitionJson.Deserialize(Definition.GetRawText());
            var plan = new Plan(Goal, definition, Planning ?? throw new KeelException($"Plan {Hash}: no planning record."), Validation ?? new PlanValidationReport(), CreatedAt, Approval, isFrozen: true);
            if (!string.Equals(plan.Hash, Hash, StringComparison.Ordinal))
            {
                throw new KeelException($"Plan {Hash}: the stored definition hashes to {plan.Hash}; the plan was altered.");
            }

            return plan;
        }
    }
}
