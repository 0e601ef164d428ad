namespace Keel;

/// <summary>
/// How one field of a step is read from a file and written to one. <see cref="Write"/> gives the field's
/// node, or null when the step has the default (so the field is left out); <see cref="Read"/> applies the
/// node found in the file to the step read so far, reporting a bad value through the parser (null for the
/// routing constructs, which are read together in WorkflowFileParser.Constructs.cs).
/// </summary>
internal sealed record StepField(
    string Name,
    Func<WorkflowStep, DocNode?> Write,
    Func<WorkflowStep, DocNode, WorkflowFileParser, WorkflowStep>? Read);

/// <summary>
/// The step fields of the workflow-file format, in the order they are written: the one place a new
/// <see cref="WorkflowStep"/> property becomes readable and writable in YAML and JSON. The fields that
/// decide what a step is (<c>id</c>, <c>worker</c>, <c>approval</c>) are read first by the parser.
/// Adding a field: add a line here, add it to schemas/keel-workflow.schema.json and to the canonical JSON
/// in Keel (<see cref="WorkflowDefinitionJson"/>); the round-trip and schema tests then cover it.
/// </summary>
internal static class StepFields
{
    /// <summary>The fields that decide the kind of step, read before the others.</summary>
    public static readonly string[] Identity = ["id", "worker", "approval", "parallel", "sub_workflow"];

    private static readonly TimeSpan DefaultMaxRetryDelay = new WorkflowStep { StepId = "x", WorkerType = default }.MaxRetryDelay;

    public static readonly StepField[] All =
    [
        new("description",
            s => s.Description.Length == 0 && s.Kind != StepKind.Approval || s.Kind == StepKind.Approval && s.Description == s.Prompt ? null : Doc.Text(s.Description),
            (s, node, p) => p.ReadString(node, "description") is { } v ? s with { Description = v } : s),
        new("on_success",
            s => s.OnSuccess == WorkflowStep.Complete ? null : Doc.Text(s.OnSuccess),
            (s, node, p) => p.ReadString(node, "on_success") is { } v ? s with { OnSuccess = v } : s),
        new("on_failure",
            s => s.OnFailure is null || s.Kind == StepKind.Approval && s.OnFailure == WorkflowStep.Failed ? null : Doc.Text(s.OnFailure),
            (s, node, p) => p.ReadString(node, "on_failure") is { } v ? s with { OnFailure = v } : s),
        new("max_retries",
            s => s.MaxRetries == 0 ? null : Doc.Number(s.MaxRetries),
            (s, node, p) => p.ReadInt(node, "max_retries") is { } v ? s with { MaxRetries = v } : s),
        new("timeout",
            s => s.Timeout is { } t ? Doc.Duration(t) : null,
            (s, node, p) => p.ReadDuration(node, "timeout") is { } v ? s with { Timeout = v } : s),
        new("retry_delay",
            s => s.RetryDelay is { } d ? Doc.Duration(d) : null,
            (s, node, p) => p.ReadDuration(node, "retry_delay") is { } v ? s with { RetryDelay = v } : s),
        new("retry_backoff",
            s => s.RetryBackoff == 2.0 ? null : Doc.Number(s.RetryBackoff),
            (s, node, p) => p.ReadNumber(node, "retry_backoff") is { } v ? s with { RetryBackoff = v } : s),
        new("max_retry_delay",
            s => s.MaxRetryDelay == DefaultMaxRetryDelay ? null : Doc.Duration(s.MaxRetryDelay),
            (s, node, p) => p.ReadDuration(node, "max_retry_delay") is { } v ? s with { MaxRetryDelay = v } : s),
        new("on_label",
            s => s.OnLabel is { } labels ? Doc.Map(labels.Select(l => (l.Key, (DocNode?)Doc.Text(l.Value)))) : null,
            null),
        new("label_field", s => s.LabelFrom?.FieldName is { } field ? Doc.Text(field) : null, null),
        new("label_function", s => s.LabelFrom?.FunctionName is { } function ? Doc.Text(function) : null, null),
        new("join", s => s.Join == JoinMode.All ? null : Doc.Text(s.Join.ToString().ToLowerInvariant()), null),
        new("max_parallel", s => s.MaxParallel is { } max ? Doc.Number(max) : null, null),
        new("map",
            s => s.Kind == StepKind.Map
                ? Doc.Map([("items_from", s.MapItemsFrom is { } from ? Doc.Text(from) : null), ("max_items", s.MapMaxItems is { } items ? Doc.Number(items) : null)])
                : null,
            null),
    ];

    /// <summary>A parallel step's branches, written under <c>parallel:</c>.</summary>
    public static DocSeq Branches(IEnumerable<Branch> branches) => Doc.List(branches.Select(b => (DocNode)Doc.Map(
    [
        ("name", Doc.Text(b.Name)),
        ("worker", Doc.Text(b.WorkerType.Value)),
        ("max_retries", b.MaxRetries == 0 ? null : Doc.Number(b.MaxRetries)),
        ("timeout", b.Timeout is { } t ? Doc.Duration(t) : null),
        ("retry_delay", b.RetryDelay is { } d ? Doc.Duration(d) : null),
    ])));

    /// <summary>Every step field name the format accepts.</summary>
    public static readonly string[] Names = [.. Identity, .. All.Select(f => f.Name)];
}
