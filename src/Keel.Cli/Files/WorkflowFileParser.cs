using System.Globalization;
using System.Text.Json;

namespace Keel.Cli.Files;

/// <summary>
/// Turns the nodes of a workflow file into a <see cref="WorkflowDefinition"/> and worker declarations,
/// collecting every problem with its position rather than stopping at the first.
/// </summary>
internal sealed partial class WorkflowFileParser
{
    internal static readonly string[] TopFields = ["name", "description", "goal", "max_steps", "initial_step", "steps", "workers", "$schema"];
    internal static readonly string[] StepFields = ["id", "worker", "description", "on_success", "on_failure", "max_retries", "timeout", "retry_delay", "retry_backoff", "approval", .. ConstructFields];

    private readonly string _file;
    private readonly string _baseDirectory;
    private readonly List<FileProblem> _problems;

    public WorkflowFileParser(string file, string baseDirectory, List<FileProblem> problems)
    {
        _file = file;
        _baseDirectory = baseDirectory;
        _problems = problems;
    }

    /// <summary>Where each part of the definition was written: "name", "steps", "step:{id}", "step:{id}:{field}", "worker:{type}".</summary>
    public Dictionary<string, DocNode> Locations { get; } = new(StringComparer.Ordinal);

    public (WorkflowDefinition Definition, Dictionary<string, WorkerDeclaration> Workers)? Parse(DocNode root)
    {
        if (root is not DocMap map)
        {
            Problem(root, $"expected a mapping with name and steps at the top of the file, found {root.KindName}");
            return null;
        }

        CheckFields(map, TopFields, "the workflow");
        var name = String(map, "name", required: true) ?? string.Empty;
        var definition = new WorkflowDefinition(name, String(map, "description") ?? string.Empty, String(map, "goal") ?? string.Empty)
        {
            MaxSteps = Int(map, "max_steps"),
        };
        Remember(map, "name", "name");
        Remember(map, "max_steps", "max_steps");
        Remember(map, "initial_step", "initial_step");
        Remember(map, "steps", "steps");
        Locations.TryAdd("workflow", map);

        var workers = ParseWorkers(map);
        var stepsNode = Find(map, "steps");
        if (stepsNode is null)
        {
            Problem(map, "missing field 'steps' (expected a list of steps)");
        }
        else if (stepsNode is not DocSeq steps)
        {
            Problem(stepsNode, $"field 'steps' must be a list of steps, found {stepsNode.KindName}");
        }
        else
        {
            foreach (var item in steps.Items)
            {
                if (ParseStep(item, workers) is { } step)
                {
                    definition.AddStep(step);
                }
            }
        }

        definition.InitialStep = String(map, "initial_step") ?? (definition.Steps.Count > 0 ? definition.Steps[0].StepId : null);
        return (definition, workers);
    }

    private WorkflowStep? ParseStep(DocNode node, Dictionary<string, WorkerDeclaration> workers)
    {
        if (node is not DocMap map)
        {
            Problem(node, $"a step must be a mapping with id and worker, found {node.KindName}");
            return null;
        }

        CheckFields(map, StepFields, "a step");
        var id = String(map, "id", required: true) ?? string.Empty;
        var key = "step:" + id;
        Locations.TryAdd(key, map);
        foreach (var field in StepFields)
        {
            if (Find(map, field) is { } value)
            {
                Locations.TryAdd(key + ":" + field, value);
            }
        }

        var description = String(map, "description") ?? string.Empty;
        var onSuccess = String(map, "on_success");
        var onFailure = String(map, "on_failure");
        var prompt = String(map, "approval");
        if (prompt is not null)
        {
            if (Find(map, "worker") is { } workerNode)
            {
                Problem(workerNode, $"step '{id}' is an approval step: it takes no worker (remove 'worker' or 'approval')");
            }

            return WorkflowStep.Approval(id, prompt, onSuccess ?? WorkflowStep.Complete, onFailure ?? WorkflowStep.Failed, description);
        }

        if (Find(map, "parallel") is { } parallel)
        {
            return WithLabels(map, id, ParseParallel(map, id, parallel, onSuccess, onFailure, description, workers));
        }

        var worker = String(map, "worker", required: true, context: $"step '{id}' (expected the worker type that does the work, 'parallel:' branches, or 'approval: PROMPT' for an approval step)");
        CheckDeclared(worker, Find(map, "worker"), $"step '{id}'", workers);

        return WithLabels(map, id, WithMap(map, new WorkflowStep
        {
            StepId = id,
            WorkerType = string.IsNullOrWhiteSpace(worker) ? default : new WorkerType(worker),
            Description = description,
            OnSuccess = onSuccess ?? WorkflowStep.Complete,
            OnFailure = onFailure,
            MaxRetries = Int(map, "max_retries") ?? 0,
            Timeout = Duration(map, "timeout"),
            RetryDelay = Duration(map, "retry_delay"),
            RetryBackoff = Number(map, "retry_backoff") ?? 2.0,
            MaxParallel = Int(map, "max_parallel"),
        }));
    }

    private void CheckDeclared(string? worker, DocNode? node, string where, Dictionary<string, WorkerDeclaration> workers)
    {
        if (worker is null || string.IsNullOrWhiteSpace(worker) || node is null)
        {
            return;
        }

        var type = new WorkerType(worker).Value;
        if (!workers.ContainsKey(type))
        {
            if (BuiltinNames.Contains(type))
            {
                workers[type] = new WorkerDeclaration { WorkerType = type, Kind = WorkerKind.Builtin, BaseDirectory = _baseDirectory };
            }
            else
            {
                Problem(node, $"{where} uses worker '{worker}', which is not declared under 'workers:' (declared: {Names(workers.Keys)}; built in: {string.Join(", ", BuiltinNames)})");
            }
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToArray();
        return list.Length == 0 ? "none" : string.Join(", ", list);
    }

    private void CheckFields(DocMap map, string[] allowed, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in map.Entries)
        {
            var name = key.Value ?? string.Empty;
            if (!seen.Add(name))
            {
                Problem(key, $"field '{name}' appears twice in {what}");
            }
            else if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Problem(key, $"unknown field '{name}' in {what} (expected one of: {string.Join(", ", allowed.Where(a => a[0] != '$'))})");
            }
        }
    }

    private void Remember(DocMap map, string field, string key)
    {
        if (Find(map, field) is { } node)
        {
            Locations.TryAdd(key, node);
        }
    }

    private static DocNode? Find(DocMap map, string field)
    {
        foreach (var (key, value) in map.Entries)
        {
            if (string.Equals(key.Value, field, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }

    private string? String(DocMap map, string field, bool required = false, string? context = null)
    {
        var node = Find(map, field);
        if (node is null)
        {
            if (required)
            {
                Problem(map, $"missing field '{field}'" + (context is null ? string.Empty : " in " + context));
            }

            return null;
        }

        if (node is DocScalar scalar && !scalar.IsNull)
        {
            return scalar.Value;
        }

        Problem(node, $"field '{field}' must be a string, found {node.KindName}");
        return null;
    }

    private int? Int(DocMap map, string field)
    {
        var node = Find(map, field);
        if (node is null)
        {
            return null;
        }

        if (node is DocScalar { Quoted: false } scalar && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Problem(node, $"field '{field}' must be a whole number, found {Describe(node)}");
        return null;
    }

    private double? Number(DocMap map, string field)
    {
        var node = Find(map, field);
        if (node is null)
        {
            return null;
        }

        if (node is DocScalar { Quoted: false } scalar && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Problem(node, $"field '{field}' must be a number, found {Describe(node)}");
        return null;
    }

    private TimeSpan? Duration(DocMap map, string field)
    {
        var node = Find(map, field);
        if (node is null)
        {
            return null;
        }

        if (node is DocScalar scalar && !scalar.IsNull && Durations.TryParse(scalar.Value!, out var value))
        {
            return value;
        }

        Problem(node, $"field '{field}' must be {Durations.Expected}, found {Describe(node)}");
        return null;
    }

    private static string Describe(DocNode node)
        => node is DocScalar { IsNull: false } scalar ? $"'{scalar.Value}'" : node.KindName;

    private void Problem(DocNode node, string message) => _problems.Add(new FileProblem(_file, node.Line, node.Column, message));

    internal static readonly string[] BuiltinNames = ["product_manager", "coder", "reviewer"];

    private static JsonElement ToJson(DocNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return KeelJson.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Write(Utf8JsonWriter writer, DocNode node)
    {
        switch (node)
        {
            case DocMap map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    writer.WritePropertyName(key.Value ?? string.Empty);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case DocSeq seq:
                writer.WriteStartArray();
                foreach (var item in seq.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case DocScalar scalar when scalar.IsNull:
                writer.WriteNullValue();
                break;
            case DocScalar { Quoted: false } scalar when scalar.Value is "true" or "false":
                writer.WriteBooleanValue(scalar.Value == "true");
                break;
            case DocScalar { Quoted: false } scalar when double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _):
                writer.WriteRawValue(scalar.Value!);
                break;
            case DocScalar scalar:
                writer.WriteStringValue(scalar.Value);
                break;
        }
    }
}
