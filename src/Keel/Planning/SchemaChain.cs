using System.Text.Json;

namespace Keel;

/// <summary>
/// Checks that a step's declared output fits the next step's declared input: a simple structural check
/// of JSON schemas (types, and required properties with their types, recursively). A worker that
/// declares no schema fits anything; the first step's input is the goal, a string.
/// </summary>
internal static class SchemaChain
{
    private static readonly JsonElement GoalSchema = KeelJson.Parse("""{"type":"string"}""");

    public static void Check(WorkflowDefinition plan, Dictionary<WorkerType, WorkerDescriptor> workers, List<ValidationProblem> problems, List<string> notes)
    {
        foreach (var step in plan.Steps)
        {
            if (step.Kind != StepKind.Work || step.InputTransformer is not null || !workers.TryGetValue(step.WorkerType, out var worker) || worker.InputSchema is not { } input)
            {
                continue;
            }

            if (string.Equals(step.StepId, plan.InitialStep, StringComparison.Ordinal))
            {
                foreach (var problem in Fits(GoalSchema, input, "$"))
                {
                    problems.Add(new(plan.Name, step.StepId, "worker", $"the first step gets the goal (a string), which does not fit the input of '{worker.WorkerType}': {problem}"));
                }
            }
        }

        foreach (var step in plan.Steps)
        {
            if (step.Kind != StepKind.Work || plan.GetStep(step.OnSuccess) is not { Kind: StepKind.Work } next || next.InputTransformer is not null)
            {
                continue;
            }

            if (!workers.TryGetValue(step.WorkerType, out var from) || !workers.TryGetValue(next.WorkerType, out var to) || to.InputSchema is not { } input)
            {
                continue;
            }

            if (from.OutputSchema is not { } output)
            {
                notes.Add($"step '{next.StepId}': '{to.WorkerType}' declares an input schema but '{from.WorkerType}' (step '{step.StepId}') declares no output schema, so the hand-off is not checked");
                continue;
            }

            foreach (var problem in Fits(output, input, "$"))
            {
                problems.Add(new(plan.Name, next.StepId, "worker", $"the output of step '{step.StepId}' ('{from.WorkerType}') does not fit the input of '{to.WorkerType}': {problem}"));
            }
        }
    }

    /// <summary>Why a value of <paramref name="output"/> may not be a value of <paramref name="input"/> (empty when it fits).</summary>
    public static IReadOnlyList<string> Fits(JsonElement output, JsonElement input, string path)
    {
        var problems = new List<string>();
        Check(output, input, path, problems);
        return problems;
    }

    private static void Check(JsonElement output, JsonElement input, string path, List<string> problems)
    {
        if (input.ValueKind != JsonValueKind.Object || output.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var inputTypes = Types(input);
        var outputTypes = Types(output);
        if (inputTypes is not null && outputTypes is not null)
        {
            var missing = outputTypes.Where(t => !Accepts(inputTypes, t)).ToArray();
            if (missing.Length > 0)
            {
                problems.Add($"{path}: produces {string.Join(" or ", outputTypes)}, expected {string.Join(" or ", inputTypes)}");
                return;
            }
        }

        if (!input.TryGetProperty("required", out var required) || required.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        output.TryGetProperty("properties", out var produced);
        input.TryGetProperty("properties", out var expected);
        foreach (var item in required.EnumerateArray())
        {
            if (item.GetString() is not { } name)
            {
                continue;
            }

            if (produced.ValueKind != JsonValueKind.Object || !produced.TryGetProperty(name, out var producedProperty))
            {
                problems.Add($"{path}: required property '{name}' is not produced");
                continue;
            }

            if (expected.ValueKind == JsonValueKind.Object && expected.TryGetProperty(name, out var expectedProperty))
            {
                Check(producedProperty, expectedProperty, $"{path}.{name}", problems);
            }
        }
    }

    private static bool Accepts(IReadOnlyList<string> inputTypes, string outputType)
        => inputTypes.Contains(outputType) || (outputType == "integer" && inputTypes.Contains("number"));

    private static IReadOnlyList<string>? Types(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array => type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray(),
            _ => null,
        };
    }
}
