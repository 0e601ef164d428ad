using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel;

/// <summary>
/// The canonical JSON form of a workflow definition: what a run is pinned to, what its content hash is
/// computed over, and the shape of the declarative workflow files. Delegates (step input transformers)
/// have no JSON form and are not part of it.
/// </summary>
public static class WorkflowDefinitionJson
{
    // The document's metadata is generated at compile time (WorkflowDocumentJsonContext): a short-lived
    // process that pins a run to its definition builds none of it by reflection.
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = KeelJson.NamingPolicy,
        Encoder = KeelJson.Encoder,
        WriteIndented = false,
        TypeInfoResolver = WorkflowDocumentJsonContext.Default,
    };

    private static readonly JsonTypeInfo<WorkflowDocument> DocumentType = (JsonTypeInfo<WorkflowDocument>)Options.GetTypeInfo(typeof(WorkflowDocument));

    /// <summary>The canonical JSON text of a definition.</summary>
    public static string Serialize(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = KeelJson.Encoder }))
        {
            DocumentWriter.Write(writer, ToDocument(workflow));
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The canonical text as the serializer writes it (the tests hold <see cref="Serialize"/> to it).</summary>
    internal static string SerializeWithSerializer(WorkflowDefinition workflow) => JsonSerializer.Serialize(ToDocument(workflow), DocumentType);

    /// <summary>
    /// SHA-256 (hex, lower case) of the canonical JSON text, taken over one fixed escaping of its strings
    /// (every character outside printable ASCII and every HTML-sensitive one as a <c>\u</c> escape), so
    /// the hash depends on the definition alone, not on how the text was escaped: runs pinned before
    /// the text was written without needless escapes keep their hash.
    /// </summary>
    public static string Hash(string canonicalJson)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        using var document = JsonDocument.Parse(canonicalJson);
        using var buffer = new MemoryStream(canonicalJson.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.RootElement.WriteTo(writer);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <summary>Reads a definition from its canonical JSON text (not validated).</summary>
    public static WorkflowDefinition Deserialize(string json)
    {
        var document = JsonSerializer.Deserialize(json, DocumentType)
            ?? throw new KeelException("The workflow definition JSON is empty.");
        return FromDocument(document);
    }

    private static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromMinutes(5);

    internal static WorkflowDocument ToDocument(WorkflowDefinition workflow)
    {
        var steps = new List<StepDocument>(workflow.Steps.Count);
        foreach (var step in workflow.Steps)
        {
            steps.Add(new StepDocument
            {
                Id = step.StepId,
                Worker = step.Kind is StepKind.Approval or StepKind.Parallel or StepKind.SubWorkflow ? null : step.WorkerType.Value,
                SubWorkflow = step.Kind == StepKind.SubWorkflow ? step.SubWorkflow ?? string.Empty : null,
                Description = step.Description.Length == 0 ? null : step.Description,
                OnSuccess = step.OnSuccess,
                OnFailure = step.OnFailure,
                MaxRetries = step.MaxRetries == 0 ? null : step.MaxRetries,
                Timeout = step.Timeout?.TotalSeconds,
                RetryDelay = step.RetryDelay?.TotalSeconds,
                RetryBackoff = step.RetryDelay is null || step.RetryBackoff == 2.0 ? null : step.RetryBackoff,
                MaxRetryDelay = step.RetryDelay is null || step.MaxRetryDelay == DefaultMaxRetryDelay ? null : step.MaxRetryDelay.TotalSeconds,
                Approval = step.Kind == StepKind.Approval ? step.Prompt : null,
                OnLabel = step.OnLabel is { } labels ? new SortedDictionary<string, string>(labels.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal) : null,
                LabelField = step.LabelFrom?.FieldName,
                LabelFunction = step.LabelFrom?.FunctionName,
                Parallel = step.Kind == StepKind.Parallel ? step.Branches?.Select(ToDocument).ToList() : null,
                Map = step.Kind == StepKind.Map ? new MapDocument { ItemsFrom = step.MapItemsFrom, MaxItems = step.MapMaxItems } : null,
                Join = step.Kind is StepKind.Parallel or StepKind.Map && step.Join != JoinMode.All ? StableNames.Of(step.Join) : null,
                MaxParallel = step.MaxParallel,
                Input = step.Input is { } map ? new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal) : null,
            });
        }

        return new WorkflowDocument
        {
            Name = workflow.Name,
            Description = workflow.Description.Length == 0 ? null : workflow.Description,
            Goal = workflow.Goal.Length == 0 ? null : workflow.Goal,
            InitialStep = workflow.InitialStep,
            MaxSteps = workflow.MaxSteps,
            Steps = steps,
        };
    }

    internal static WorkflowDefinition FromDocument(WorkflowDocument document)
    {
        var workflow = new WorkflowDefinition(document.Name ?? string.Empty, document.Description ?? string.Empty, document.Goal ?? string.Empty)
        {
            MaxSteps = document.MaxSteps,
        };
        foreach (var s in document.Steps ?? [])
        {
            var step = s.Approval is { } prompt
                ? WorkflowStep.Approval(s.Id ?? string.Empty, prompt, s.OnSuccess ?? WorkflowStep.Complete, s.OnFailure ?? WorkflowStep.Failed, s.Description ?? string.Empty)
                    with { Timeout = s.Timeout is { } deadline ? TimeSpan.FromSeconds(deadline) : null }
                : s.SubWorkflow is { } child
                ? WorkflowStep.Child(s.Id ?? string.Empty, child, s.OnSuccess ?? WorkflowStep.Complete, s.OnFailure, s.MaxRetries ?? 0, s.Timeout is { } limit ? TimeSpan.FromSeconds(limit) : null, s.Description ?? string.Empty)
                    with
                    {
                        RetryDelay = s.RetryDelay is { } wait ? TimeSpan.FromSeconds(wait) : null,
                        RetryBackoff = s.RetryBackoff ?? 2.0,
                        MaxRetryDelay = s.MaxRetryDelay is { } most ? TimeSpan.FromSeconds(most) : DefaultMaxRetryDelay,
                    }
                : s.Parallel is { } branches
                ? WorkflowStep.Parallel(s.Id ?? string.Empty, branches.Select(FromDocument).ToList(), s.OnSuccess ?? WorkflowStep.Complete, s.OnFailure, ParseJoin(s.Join), s.MaxParallel, s.Description ?? string.Empty)
                : new WorkflowStep
                {
                    StepId = s.Id ?? string.Empty,
                    WorkerType = string.IsNullOrWhiteSpace(s.Worker) ? default : new WorkerType(s.Worker),
                    Description = s.Description ?? string.Empty,
                    OnSuccess = s.OnSuccess ?? WorkflowStep.Complete,
                    OnFailure = s.OnFailure,
                    MaxRetries = s.MaxRetries ?? 0,
                    Timeout = s.Timeout is { } t ? TimeSpan.FromSeconds(t) : null,
                    RetryDelay = s.RetryDelay is { } d ? TimeSpan.FromSeconds(d) : null,
                    RetryBackoff = s.RetryBackoff ?? 2.0,
                    MaxRetryDelay = s.MaxRetryDelay is { } m ? TimeSpan.FromSeconds(m) : DefaultMaxRetryDelay,
                    Kind = s.Map is null ? StepKind.Work : StepKind.Map,
                    MapItemsFrom = s.Map?.ItemsFrom,
                    MapMaxItems = s.Map?.MaxItems,
                    MaxParallel = s.MaxParallel,
                    Join = ParseJoin(s.Join),
                };
            if (s.OnLabel is not null || s.LabelField is not null || s.LabelFunction is not null)
            {
                step = step with
                {
                    OnLabel = s.OnLabel is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : null,
                    LabelFrom = s.LabelField is { Length: > 0 } field ? LabelReader.Field(field) : s.LabelFunction is { Length: > 0 } function ? LabelReader.Named(function) : null,
                };
            }

            if (s.Input is { } input)
            {
                step = step with { Input = new Dictionary<string, string>(input, StringComparer.Ordinal) };
            }

            workflow.AddStep(step);
        }

        workflow.InitialStep = document.InitialStep ?? (workflow.Steps.Count > 0 ? workflow.Steps[0].StepId : null);
        return workflow;
    }

    private static BranchDocument ToDocument(Branch branch) => new()
    {
        Name = branch.Name,
        Worker = branch.WorkerType.Value,
        MaxRetries = branch.MaxRetries == 0 ? null : branch.MaxRetries,
        Timeout = branch.Timeout?.TotalSeconds,
        RetryDelay = branch.RetryDelay?.TotalSeconds,
    };

    private static Branch FromDocument(BranchDocument b)
        => new(b.Name ?? string.Empty, string.IsNullOrWhiteSpace(b.Worker) ? default : new WorkerType(b.Worker), b.MaxRetries ?? 0, b.Timeout is { } t ? TimeSpan.FromSeconds(t) : null)
        {
            RetryDelay = b.RetryDelay is { } d ? TimeSpan.FromSeconds(d) : null,
        };

    /// <summary>Reads a join mode by its recorded name (<c>all</c> when not set).</summary>
    internal static JoinMode ParseJoin(string? join) => join switch
    {
        null or "all" => JoinMode.All,
        "any" => JoinMode.Any,
        _ => throw new KeelException($"Unknown join '{join}': expected 'all' or 'any'."),
    };

    internal sealed class WorkflowDocument
    {
        public string? Name { get; set; }

        public string? Description { get; set; }

        public string? Goal { get; set; }

        public string? InitialStep { get; set; }

        public int? MaxSteps { get; set; }

        public List<StepDocument>? Steps { get; set; }
    }

    internal sealed class StepDocument
    {
        public string? Id { get; set; }

        public string? Worker { get; set; }

        /// <summary>The registered workflow the step runs as a child run: makes the step a sub-workflow step.</summary>
        public string? SubWorkflow { get; set; }

        public string? Description { get; set; }

        public string? OnSuccess { get; set; }

        public string? OnFailure { get; set; }

        public int? MaxRetries { get; set; }

        /// <summary>Seconds.</summary>
        public double? Timeout { get; set; }

        /// <summary>Seconds.</summary>
        public double? RetryDelay { get; set; }

        public double? RetryBackoff { get; set; }

        /// <summary>Seconds; written only when it differs from the default.</summary>
        public double? MaxRetryDelay { get; set; }

        /// <summary>The approval prompt: makes the step an approval step.</summary>
        public string? Approval { get; set; }

        /// <summary>Outcome labels and their targets (sorted, so the canonical text is stable).</summary>
        public SortedDictionary<string, string>? OnLabel { get; set; }

        /// <summary>The output field the label is read from.</summary>
        public string? LabelField { get; set; }

        /// <summary>The named function that reads the label.</summary>
        public string? LabelFunction { get; set; }

        /// <summary>The branches: makes the step a parallel step.</summary>
        public List<BranchDocument>? Parallel { get; set; }

        /// <summary>The list to map over: makes the step a map step.</summary>
        public MapDocument? Map { get; set; }

        /// <summary><c>all</c> (default) or <c>any</c>.</summary>
        public string? Join { get; set; }

        public int? MaxParallel { get; set; }

        /// <summary>The declarative input: field name to source (sorted, so the canonical text is stable).</summary>
        public SortedDictionary<string, string>? Input { get; set; }
    }

    internal sealed class BranchDocument
    {
        public string? Name { get; set; }

        public string? Worker { get; set; }

        public int? MaxRetries { get; set; }

        /// <summary>Seconds.</summary>
        public double? Timeout { get; set; }

        /// <summary>Seconds.</summary>
        public double? RetryDelay { get; set; }
    }

    internal sealed class MapDocument
    {
        /// <summary>The input field holding the list; the input itself when not set.</summary>
        public string? ItemsFrom { get; set; }

        /// <summary>The most items a list may have.</summary>
        public int? MaxItems { get; set; }
    }
}

/// <summary>The canonical definition document's serialization metadata, generated at compile time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WorkflowDefinitionJson.WorkflowDocument))]
internal sealed partial class WorkflowDocumentJsonContext : JsonSerializerContext;

/// <summary>
/// Writes the canonical definition document by hand, property by property, as the serializer writes it
/// with the document's options (snake_case names in declaration order, nulls left out): the text a run's
/// definition hash is taken over is computed on every run's creation, and a short-lived process pays
/// nothing to build serializer metadata for it.
/// </summary>
internal static class DocumentWriter
{
    public static void Write(Utf8JsonWriter writer, WorkflowDefinitionJson.WorkflowDocument document)
    {
        writer.WriteStartObject();
        Text(writer, "name", document.Name);
        Text(writer, "description", document.Description);
        Text(writer, "goal", document.Goal);
        Text(writer, "initial_step", document.InitialStep);
        Number(writer, "max_steps", document.MaxSteps);
        if (document.Steps is { } steps)
        {
            writer.WriteStartArray("steps");
            foreach (var step in steps)
            {
                Write(writer, step);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, WorkflowDefinitionJson.StepDocument? step)
    {
        if (step is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        Text(writer, "id", step.Id);
        Text(writer, "worker", step.Worker);
        Text(writer, "sub_workflow", step.SubWorkflow);
        Text(writer, "description", step.Description);
        Text(writer, "on_success", step.OnSuccess);
        Text(writer, "on_failure", step.OnFailure);
        Number(writer, "max_retries", step.MaxRetries);
        Number(writer, "timeout", step.Timeout);
        Number(writer, "retry_delay", step.RetryDelay);
        Number(writer, "retry_backoff", step.RetryBackoff);
        Number(writer, "max_retry_delay", step.MaxRetryDelay);
        Text(writer, "approval", step.Approval);
        Map(writer, "on_label", step.OnLabel);
        Text(writer, "label_field", step.LabelField);
        Text(writer, "label_function", step.LabelFunction);
        if (step.Parallel is { } branches)
        {
            writer.WriteStartArray("parallel");
            foreach (var branch in branches)
            {
                if (branch is null)
                {
                    writer.WriteNullValue();
                    continue;
                }

                writer.WriteStartObject();
                Text(writer, "name", branch.Name);
                Text(writer, "worker", branch.Worker);
                Number(writer, "max_retries", branch.MaxRetries);
                Number(writer, "timeout", branch.Timeout);
                Number(writer, "retry_delay", branch.RetryDelay);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (step.Map is { } map)
        {
            writer.WriteStartObject("map");
            Text(writer, "items_from", map.ItemsFrom);
            Number(writer, "max_items", map.MaxItems);
            writer.WriteEndObject();
        }

        Text(writer, "join", step.Join);
        Number(writer, "max_parallel", step.MaxParallel);
        Map(writer, "input", step.Input);
        writer.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void Map(Utf8JsonWriter writer, string name, SortedDictionary<string, string>? map)
    {
        if (map is null)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }
}
