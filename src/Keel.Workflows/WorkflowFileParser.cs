using System.Globalization;
using System.Text.Json;

namespace Keel;

/// <summary>
/// Turns the nodes of a workflow file into a <see cref="WorkflowDefinition"/> and worker declarations,
/// collecting every problem with its position rather than stopping at the first.
/// </summary>
internal sealed partial class WorkflowFileParser
{
    internal static readonly string[] TopFields = ["name", "description", "goal", "max_steps", "initial_step", "steps", "workers", "$schema"];
    internal static string[] StepFieldNames => StepFields.Names;

    private readonly string _file;
    private readonly string _baseDirectory;
    private readonly List<WorkflowFileProblem> _problems;
    private readonly HashSet<string> _brokenWorkers = new(StringComparer.Ordinal);

    public WorkflowFileParser(string file, string baseDirectory, List<WorkflowFileProblem> problems)
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

        CheckFields(map, StepFields.Names, "a step");
        var id = String(map, "id", required: true) ?? string.Empty;
        var key = "step:" + id;
        Locations.TryAdd(key, map);
        foreach (var (field, value) in map.Entries)
        {
            Locations.TryAdd(key + ":" + field.Value, value);
        }

        // A step is one kind: what makes it so is one field, and map goes only with a worker.
        string[] kinds = ["approval", "parallel", "sub_workflow"];
        var present = kinds.Where(k => Find(map, k) is not null).ToArray();
        if (present.Length > 1)
        {
            Problem(Find(map, present[1])!, $"step '{id}' has both '{present[0]}' and '{present[1]}': a step is of one kind (remove one)");
        }

        if (present.Length > 0 && Find(map, "map") is { } mapOnOther)
        {
            Problem(mapOnOther, $"step '{id}' is {(present[0] == "approval" ? "an approval" : present[0] == "parallel" ? "a parallel" : "a sub-workflow")} step: 'map' runs one worker over the items of a list, so it goes with 'worker' (remove 'map' or '{present[0]}')");
        }

        WorkflowStep step;
        var prompt = String(map, "approval");
        if (prompt is not null)
        {
            if (Find(map, "worker") is { } workerNode)
            {
                Problem(workerNode, $"step '{id}' is an approval step: it takes no worker (remove 'worker' or 'approval')");
            }

            step = WorkflowStep.Approval(id, prompt, WorkflowStep.Complete);
        }
        else if (Find(map, "parallel") is { } parallel)
        {
            step = ParseParallel(map, id, parallel, WorkflowStep.Complete, null, string.Empty, workers);
        }
        else if (Find(map, "sub_workflow") is { } child)
        {
            if (Find(map, "worker") is { } workerNode)
            {
                Problem(workerNode, $"step '{id}' is a sub-workflow step: the child workflow's steps name their workers (remove 'worker' or 'sub_workflow')");
            }

            step = WorkflowStep.Child(id, ReadString(child, "sub_workflow") ?? string.Empty);
        }
        else
        {
            var worker = String(map, "worker", required: true, context: $"step '{id}' (expected the worker type that does the work, 'parallel:' branches, 'sub_workflow: NAME' to run a registered workflow, or 'approval: PROMPT' for an approval step)");
            CheckDeclared(worker, Find(map, "worker"), $"step '{id}'", workers);
            step = new WorkflowStep { StepId = id, WorkerType = string.IsNullOrWhiteSpace(worker) ? default : new WorkerType(worker) };
        }

        foreach (var field in StepFields.All)
        {
            if (field.Read is not null && Find(map, field.Name) is { } value)
            {
                step = field.Read(step, value, this);
            }
        }

        // The routing constructs (labels, parallel branches, maps) are read in WorkflowFileParser.Constructs.cs.
        return step.Kind == StepKind.Parallel
            ? WithLabels(map, id, step)
            : WithLabels(map, id, WithMap(map, Find(map, "max_parallel") is null ? step : step with { MaxParallel = Int(map, "max_parallel") }));
    }

    private void CheckDeclared(string? worker, DocNode? node, string where, Dictionary<string, WorkerDeclaration> workers)
    {
        if (worker is null || string.IsNullOrWhiteSpace(worker) || node is null)
        {
            return;
        }

        var type = new WorkerType(worker).Value;
        if (!workers.ContainsKey(type) && !_brokenWorkers.Contains(type))
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

    private int? Int(DocMap map, string field) => Find(map, field) is { } node ? ReadInt(node, field) : null;

    private TimeSpan? Duration(DocMap map, string field) => Find(map, field) is { } node ? ReadDuration(node, field) : null;

    /// <summary>A string field's value, or null (reported) when the node is not a string.</summary>
    internal string? ReadString(DocNode node, string field)
    {
        if (node is DocScalar scalar && !scalar.IsNull)
        {
            return scalar.Value;
        }

        Problem(node, $"field '{field}' must be a string, found {node.KindName}");
        return null;
    }

    /// <summary>A whole-number field's value, or null (reported).</summary>
    internal int? ReadInt(DocNode node, string field)
    {
        if (node is DocScalar { Quoted: false } scalar)
        {
            if (int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            if (double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var big) && double.IsFinite(big) && Math.Abs(big) >= int.MaxValue)
            {
                Problem(node, $"field '{field}' is too large: {scalar.Value} (see the bounds in docs/workflow-files.md)");
                return null;
            }
        }

        Problem(node, $"field '{field}' must be a whole number, found {Describe(node)}");
        return null;
    }

    /// <summary>A number field's value (finite), or null (reported).</summary>
    internal double? ReadNumber(DocNode node, string field)
    {
        if (node is DocScalar { Quoted: false } scalar && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (double.IsFinite(value))
            {
                return value;
            }

            Problem(node, $"field '{field}' is too large: {scalar.Value} (see the bounds in docs/workflow-files.md)");
            return null;
        }

        Problem(node, $"field '{field}' must be a number, found {Describe(node)}");
        return null;
    }

    /// <summary>A duration field's value, or null (reported).</summary>
    internal TimeSpan? ReadDuration(DocNode node, string field)
    {
        if (node is DocScalar scalar && !scalar.IsNull)
        {
            if (WorkflowDuration.TryParse(scalar.Value!, out var value, out var tooLarge))
            {
                return value;
            }

            if (tooLarge)
            {
                Problem(node, $"field '{field}' is too large: {scalar.Value} (timeouts go up to {WorkflowDuration.Format(WorkflowLimits.MaxTimeout)}, retry delays up to {WorkflowDuration.Format(WorkflowLimits.MaxRetryDelay)})");
                return null;
            }
        }

        Problem(node, $"field '{field}' must be {WorkflowDuration.Expected}, found {Describe(node)}");
        return null;
    }

    private static string Describe(DocNode node)
        => node is DocScalar { IsNull: false } scalar ? $"'{scalar.Value}'" : node.KindName;

    private void Problem(DocNode node, string message) => _problems.Add(new WorkflowFileProblem(_file, node.Line, node.Column, message));

    internal static readonly string[] BuiltinNames = ["product_manager", "coder", "reviewer"];

    private static JsonElement ToJson(DocNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, KeelJson.WriterOptions))
        {
            WorkflowFileWriter.WriteJson(writer, node);
        }

        return KeelJson.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
