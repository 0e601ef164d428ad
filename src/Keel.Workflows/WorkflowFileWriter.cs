using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Keel;

/// <summary>
/// Writes a definition and its worker declarations as a workflow file: first as a tree of nodes (the
/// same tree the reader builds), then as YAML or JSON. Defaults are left out, so a written file is as
/// short as a hand-written one and reads back to an equal definition.
/// </summary>
internal static class WorkflowFileWriter
{
    public static string Write(WorkflowDefinition definition, IEnumerable<WorkerDeclaration>? workers, WorkflowFormat format)
    {
        var root = ToDoc(definition, workers);
        return format == WorkflowFormat.Json ? WriteJson(root) : WriteYaml(root);
    }

    internal static DocMap ToDoc(WorkflowDefinition definition, IEnumerable<WorkerDeclaration>? workers)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var declared = workers?.OrderBy(w => w.WorkerType, StringComparer.Ordinal).ToArray() ?? [];
        var first = definition.Steps.Count > 0 ? definition.Steps[0].StepId : null;
        return Doc.Map(
        [
            ("name", Doc.Text(definition.Name)),
            ("description", definition.Description.Length == 0 ? null : Doc.Text(definition.Description)),
            ("goal", definition.Goal.Length == 0 ? null : Doc.Text(definition.Goal)),
            ("max_steps", definition.MaxSteps is { } max ? Doc.Number(max) : null),
            ("initial_step", definition.InitialStep is { } initial && initial != first ? Doc.Text(initial) : null),
            ("workers", declared.Length == 0 ? null : Doc.Map(declared.Select(w => (w.WorkerType, (DocNode?)Worker(w))))),
            ("steps", Doc.List(definition.Steps.Select(Step))),
        ]);
    }

    private static DocMap Step(WorkflowStep step)
    {
        var identity = step.Kind switch
        {
            StepKind.Approval => new (string, DocNode?)[] { ("id", Doc.Text(step.StepId)), ("approval", Doc.Text(step.Prompt ?? string.Empty)) },
            StepKind.Parallel => [("id", Doc.Text(step.StepId)), ("parallel", StepFields.Branches(step.Branches ?? []))],
            StepKind.SubWorkflow => [("id", Doc.Text(step.StepId)), ("sub_workflow", Doc.Text(step.SubWorkflow ?? string.Empty))],
            _ => [("id", Doc.Text(step.StepId)), ("worker", Doc.Text(step.WorkerType.Value))],
        };
        return Doc.Map([.. identity, .. StepFields.All.Select(f => (f.Name, f.Write(step)))]);
    }

    private static DocMap Worker(WorkerDeclaration worker) => Doc.Map(
    [
        ("kind", Doc.Text(worker.Kind.ToString().ToLowerInvariant())),
        ("description", worker.Description.Length == 0 ? null : Doc.Text(worker.Description)),
        ("command", worker.Command is { } command ? Doc.Text(command) : null),
        ("args", worker.Args.Count == 0 ? null : Doc.List(worker.Args.Select(a => (DocNode)Doc.Text(a)))),
        ("working_dir", worker.WorkingDir is { } dir ? Doc.Text(dir) : null),
        ("env", worker.Env.Count == 0 ? null : Doc.Map(worker.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, (DocNode?)Doc.Text(e.Value))))),
        ("instructions", worker.Instructions is { } instructions ? Doc.Text(instructions) : null),
        ("model", worker.Model is { } model ? Doc.Text(model) : null),
        ("output_schema", worker.OutputSchema is { } schema ? FromJson(schema) : null),
    ]);

    private static DocNode FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => Doc.Map(element.EnumerateObject().Select(p => (p.Name, (DocNode?)FromJson(p.Value)))),
        JsonValueKind.Array => Doc.List(element.EnumerateArray().Select(FromJson)),
        JsonValueKind.String => Doc.Text(element.GetString()!),
        JsonValueKind.Null => new DocScalar(null, false, 0, 0),
        _ => new DocScalar(element.GetRawText(), false, 0, 0),
    };

    private static string WriteJson(DocNode root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.IndentedWriterOptions))
        {
            WriteJson(writer, root);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    internal static void WriteJson(Utf8JsonWriter writer, DocNode node)
    {
        switch (node)
        {
            case DocMap map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    writer.WritePropertyName(key.Value ?? string.Empty);
                    WriteJson(writer, value);
                }

                writer.WriteEndObject();
                break;
            case DocSeq seq:
                writer.WriteStartArray();
                foreach (var item in seq.Items)
                {
                    WriteJson(writer, item);
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

    private static string WriteYaml(DocNode root)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(text, bestIndent: 2, bestWidth: int.MaxValue);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        WriteYaml(emitter, root);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void WriteYaml(IEmitter emitter, DocNode node)
    {
        switch (node)
        {
            case DocMap map:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, map.Entries.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in map.Entries)
                {
                    WriteYaml(emitter, key);
                    WriteYaml(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case DocSeq seq:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, seq.Items.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in seq.Items)
                {
                    WriteYaml(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case DocScalar scalar when scalar.IsNull:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case DocScalar { Quoted: false } scalar:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, scalar.Value!, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case DocScalar scalar:
                var style = StringStyle(scalar.Value ?? string.Empty);
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, scalar.Value ?? string.Empty, style, isPlainImplicit: style == ScalarStyle.Plain, isQuotedImplicit: true));
                break;
        }
    }

    /// <summary>
    /// Plain when the text reads back as the same string (not a number, a boolean or null, no
    /// leading or trailing space, one line of ordinary characters); double-quoted otherwise, which
    /// holds any text exactly.
    /// </summary>
    private static ScalarStyle StringStyle(string value)
    {
        if (value.Length == 0 || value.Trim().Length != value.Length || value is "~" or "null" or "Null" or "NULL"
            || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            || IsYamlWord(value) || "-?:,[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal))
        {
            return ScalarStyle.DoubleQuoted;
        }

        foreach (var c in value)
        {
            if (c < ' ' || c > '~' || c is '#' or ':' or '\'' or '"' or '\\')
            {
                return ScalarStyle.DoubleQuoted;
            }
        }

        return ScalarStyle.Plain;
    }

    private static bool IsYamlWord(string value) => value.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or ".inf" or "-.inf" or ".nan";
}
