using System.Text.Json;

namespace Keel.Server;

/// <summary>Reads Keel's canonical definition JSON (what <see cref="WorkflowDefinitionJson"/> writes); declares no workers.</summary>
internal sealed class CanonicalJsonReader : IDefinitionReader
{
    public DefinitionReadResult Read(string content, string? format)
    {
        if (format is not null && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return new() { Problems = [new("format", $"this server reads only 'json' definitions, not '{format}'")] };
        }

        WorkflowDefinition definition;
        try
        {
            definition = WorkflowDefinitionJson.Deserialize(content);
        }
        catch (Exception ex) when (ex is JsonException or KeelException or ArgumentException)
        {
            return new() { Problems = [new("content", ex.Message)] };
        }

        var problems = definition.Validate();
        return problems.Count == 0
            ? new() { Definition = definition }
            : new() { Problems = problems.Select(p => new DefinitionProblem(p.StepId is null ? p.Field : $"steps[{p.StepId}].{p.Field}", p.Message)).ToArray() };
    }
}
