using System.Globalization;

namespace Keel;

/// <summary>The routing constructs in a workflow file: outcome labels, parallel branches and map steps.</summary>
internal sealed partial class WorkflowFileParser
{

    private static readonly string[] BranchFields = ["name", "worker", "max_retries", "timeout", "retry_delay"];

    private static readonly string[] MapFields = ["items_from", "max_items"];

    private WorkflowStep WithLabels(DocMap map, string id, WorkflowStep step)
    {
        var field = String(map, "label_field");
        var function = String(map, "label_function");
        Dictionary<string, string>? labels = null;
        if (Find(map, "on_label") is { } node)
        {
            if (node is not DocMap labelMap)
            {
                Problem(node, $"step '{id}': 'on_label' must map each label to a target (label: step), found {node.KindName}");
            }
            else
            {
                labels = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in labelMap.Entries)
                {
                    var label = key.Value ?? string.Empty;
                    if (value is DocScalar { IsNull: false } target)
                    {
                        labels[label] = target.Value!;
                    }
                    else
                    {
                        Problem(value, $"step '{id}': label '{label}' has no target (expected a step id, 'complete' or 'failed')");
                        labels[label] = string.Empty;
                    }
                }
            }
        }

        if (field is not null && function is not null)
        {
            Problem(Find(map, "label_function")!, $"step '{id}': give 'label_field' or 'label_function', not both");
        }

        if (function is not null && LabelReader.BuiltIn(function) is null)
        {
            Problem(Find(map, "label_function")!, $"step '{id}': unknown label function '{function}' (built in: {LabelReader.ReviewVerdictName}); use 'label_field' to read the label from an output field");
        }

        if (labels is null && field is null && function is null)
        {
            return step;
        }

        return step with
        {
            OnLabel = labels,
            LabelFrom = field is { Length: > 0 } ? LabelReader.Field(field) : function is { Length: > 0 } ? LabelReader.Named(function) : null,
        };
    }

    /// <summary>A step's <c>input:</c> mapping (field: source), each entry's position remembered for validation problems.</summary>
    internal Dictionary<string, string>? ReadInput(WorkflowStep step, DocNode node)
    {
        if (node is not DocMap map)
        {
            Problem(node, $"step '{step.StepId}': 'input' must map each input field to a source (field: goal | data.KEY | steps.STEP.output | steps.STEP.error | feedback.error ...), found {node.KindName}");
            return null;
        }

        var input = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            var field = key.Value ?? string.Empty;
            Locations.TryAdd($"step:{step.StepId}:input.{field}", value);
            if (value is DocScalar { IsNull: false } source)
            {
                input[field] = source.Value!;
            }
            else
            {
                Problem(value, $"step '{step.StepId}': input field '{field}' needs a source (goal, data.KEY, steps.STEP.output, steps.STEP.error, feedback.FIELD), found {value.KindName}");
            }
        }

        return input;
    }

    private WorkflowStep WithMap(DocMap map, WorkflowStep step)
    {
        var join = Join(map);
        if (Find(map, "map") is not { } node)
        {
            return join == JoinMode.All ? step : step with { Join = join };
        }

        if (step.Kind != StepKind.Work)
        {
            // An approval or sub-workflow step with 'map': refused where the step is read.
            return join == JoinMode.All ? step : step with { Join = join };
        }

        if (node is not DocMap mapNode)
        {
            Problem(node, $"step '{step.StepId}': 'map' must be a mapping with max_items (and items_from), found {node.KindName}");
            return step;
        }

        CheckFields(mapNode, MapFields, $"the map of step '{step.StepId}'");
        return step with
        {
            Kind = StepKind.Map,
            MapItemsFrom = String(mapNode, "items_from"),
            MapMaxItems = Int(mapNode, "max_items"),
            Join = join,
        };
    }

    private WorkflowStep ParseParallel(DocMap map, string id, DocNode node, string? onSuccess, string? onFailure, string description, Dictionary<string, WorkerDeclaration> workers)
    {
        if (Find(map, "worker") is { } workerNode)
        {
            Problem(workerNode, $"step '{id}' is a parallel step: each branch names its worker (remove 'worker' or 'parallel')");
        }

        var branches = new List<Branch>();
        if (node is not DocSeq seq)
        {
            Problem(node, $"step '{id}': 'parallel' must be a list of branches (name, worker), found {node.KindName}");
        }
        else
        {
            foreach (var item in seq.Items)
            {
                if (item is not DocMap branch)
                {
                    Problem(item, $"step '{id}': a branch must be a mapping with name and worker, found {item.KindName}");
                    continue;
                }

                // Each branch and its fields are located on their own lines, as the validator numbers the branches.
                var at = $"step:{id}:parallel[{branches.Count.ToString(CultureInfo.InvariantCulture)}]";
                Locations.TryAdd(at, branch);
                foreach (var (field, value) in branch.Entries)
                {
                    Locations.TryAdd(at + "." + field.Value, value);
                }

                CheckFields(branch, BranchFields, $"a branch of step '{id}'");
                var name = String(branch, "name", required: true) ?? string.Empty;
                var worker = String(branch, "worker", required: true, context: $"branch '{name}' of step '{id}'");
                CheckDeclared(worker, Find(branch, "worker"), $"branch '{name}' of step '{id}'", workers);
                branches.Add(new Branch(name, string.IsNullOrWhiteSpace(worker) ? default : new WorkerType(worker), Int(branch, "max_retries") ?? 0, Duration(branch, "timeout"))
                {
                    RetryDelay = Duration(branch, "retry_delay"),
                });
            }
        }

        return WorkflowStep.Parallel(id, branches, onSuccess ?? WorkflowStep.Complete, onFailure, Join(map), Int(map, "max_parallel"), description);
    }

    private JoinMode Join(DocMap map)
    {
        var join = String(map, "join");
        switch (join)
        {
            case null or "all":
                return JoinMode.All;
            case "any":
                return JoinMode.Any;
            default:
                Problem(Find(map, "join")!, $"field 'join' must be 'all' or 'any', found '{join}'");
                return JoinMode.All;
        }
    }
}
