namespace Keel;

internal sealed partial class WorkflowFileParser
{
    private static readonly string[] Kinds = ["builtin", "command", "llm"];
    internal static readonly string[] BuiltinFields = ["kind", "description"];
    internal static readonly string[] CommandFields = ["kind", "description", "command", "args", "working_dir", "env", "inherit_env"];
    internal static readonly string[] LlmFields = ["kind", "description", "instructions", "model", "output_schema"];

    private Dictionary<string, WorkerDeclaration> ParseWorkers(DocMap root)
    {
        var workers = new Dictionary<string, WorkerDeclaration>(StringComparer.Ordinal);
        var node = Find(root, "workers");
        if (node is null || node is DocScalar { IsNull: true })
        {
            return workers;
        }

        if (node is not DocMap map)
        {
            Problem(node, $"field 'workers' must be a mapping from worker type to its declaration, found {node.KindName}");
            return workers;
        }

        foreach (var (key, value) in map.Entries)
        {
            if (string.IsNullOrWhiteSpace(key.Value))
            {
                Problem(key, "a worker type under 'workers:' is empty");
                continue;
            }

            var type = new WorkerType(key.Value).Value;
            Locations.TryAdd("worker:" + type, key);
            if (ParseWorker(type, value) is { } declaration)
            {
                workers[type] = declaration;
            }
            else
            {
                // Declared, with a problem reported at the declaration: the steps using it are not told it is undeclared.
                _brokenWorkers.Add(type);
            }
        }

        return workers;
    }

    private WorkerDeclaration? ParseWorker(string type, DocNode node)
    {
        if (node is not DocMap map)
        {
            Problem(node, $"worker '{type}' must be a mapping with a 'kind' ({string.Join(", ", Kinds)}), found {node.KindName}");
            return null;
        }

        var kindText = String(map, "kind", required: true, context: $"worker '{type}' (expected one of: {string.Join(", ", Kinds)})");
        if (kindText is null)
        {
            return null;
        }

        var description = String(map, "description") ?? string.Empty;
        switch (kindText)
        {
            case "builtin":
                CheckFields(map, BuiltinFields, $"builtin worker '{type}'");
                if (!BuiltinNames.Contains(type, StringComparer.Ordinal))
                {
                    Problem(map, $"there is no built-in worker '{type}' (expected one of: {string.Join(", ", BuiltinNames)})");
                    return null;
                }

                return new WorkerDeclaration { WorkerType = type, Kind = WorkerKind.Builtin, Description = description, BaseDirectory = _baseDirectory };
            case "command":
                CheckFields(map, CommandFields, $"command worker '{type}'");
                var command = String(map, "command", required: true, context: $"command worker '{type}' (expected the program to run, e.g. /bin/sh)");
                if (command is not null && command.Trim().Length == 0)
                {
                    Problem(Find(map, "command")!, $"field 'command' of worker '{type}' is empty (expected the program to run)");
                }

                return new WorkerDeclaration
                {
                    WorkerType = type,
                    Kind = WorkerKind.Command,
                    Description = description,
                    Command = command,
                    Args = StringList(map, "args"),
                    WorkingDir = String(map, "working_dir"),
                    Env = StringMap(map, "env"),
                    InheritEnv = StringList(map, "inherit_env"),
                    BaseDirectory = _baseDirectory,
                };
            case "llm":
                CheckFields(map, LlmFields, $"llm worker '{type}'");
                var instructions = String(map, "instructions", required: true, context: $"llm worker '{type}' (expected what the model is asked to do)");
                var schemaNode = Find(map, "output_schema");
                if (schemaNode is not null and not DocMap)
                {
                    Problem(schemaNode, $"field 'output_schema' of worker '{type}' must be a JSON Schema object, found {schemaNode.KindName}");
                    schemaNode = null;
                }

                return new WorkerDeclaration
                {
                    WorkerType = type,
                    Kind = WorkerKind.Llm,
                    Description = description,
                    Instructions = instructions,
                    Model = String(map, "model"),
                    OutputSchema = schemaNode is null ? null : ToJson(schemaNode),
                    BaseDirectory = _baseDirectory,
                };
            default:
                Problem(Find(map, "kind")!, $"unknown worker kind '{kindText}' for worker '{type}' (expected one of: {string.Join(", ", Kinds)})");
                return null;
        }
    }

    private IReadOnlyList<string> StringList(DocMap map, string field)
    {
        var node = Find(map, field);
        if (node is null)
        {
            return [];
        }

        if (node is not DocSeq seq)
        {
            Problem(node, $"field '{field}' must be a list of strings, found {node.KindName}");
            return [];
        }

        var list = new List<string>(seq.Items.Count);
        foreach (var item in seq.Items)
        {
            if (item is DocScalar { IsNull: false } scalar)
            {
                list.Add(scalar.Value!);
            }
            else
            {
                Problem(item, $"each item of '{field}' must be a string, found {item.KindName}");
            }
        }

        return list;
    }

    private IReadOnlyDictionary<string, string> StringMap(DocMap map, string field)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = Find(map, field);
        if (node is null)
        {
            return result;
        }

        if (node is not DocMap entries)
        {
            Problem(node, $"field '{field}' must be a mapping of names to strings, found {node.KindName}");
            return result;
        }

        foreach (var (key, value) in entries.Entries)
        {
            if (value is DocScalar { IsNull: false } scalar)
            {
                result[key.Value ?? string.Empty] = scalar.Value!;
            }
            else
            {
                Problem(value, $"'{field}.{key.Value}' must be a string, found {value.KindName}");
            }
        }

        return result;
    }
}
