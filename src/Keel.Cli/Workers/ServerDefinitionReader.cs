using Keel.Server;

namespace Keel.Cli.Workers;

/// <summary>
/// Reads definitions posted to <c>keel serve</c> in the workflow file format, with the workers they
/// declare. Command workers start programs on the server's machine, so they are refused unless the
/// server was started with <c>--allow-command-workers</c>.
/// </summary>
internal sealed class ServerDefinitionReader(bool allowCommandWorkers, string baseDirectory) : IDefinitionReader
{
    public DefinitionReadResult Read(string content, string? format)
    {
        var name = format == "json" ? "posted.json" : "posted.yaml";
        var loaded = WorkflowDocument.Parse(content, format == "json" ? WorkflowFormat.Json : null, name, new WorkflowReadOptions { BaseDirectory = baseDirectory });
        if (!loaded.IsValid)
        {
            return new() { Problems = loaded.Problems.Select(p => new DefinitionProblem(Field(p.Message), p.Message, p.Line, p.Column)).ToArray() };
        }

        var file = loaded.File!;
        var commands = file.Workers.Values.Where(w => w.Kind == WorkerKind.Command).Select(w => w.WorkerType).ToArray();
        if (commands.Length > 0 && !allowCommandWorkers)
        {
            return new()
            {
                Problems = commands.Select(c => new DefinitionProblem($"workers.{c}", $"worker '{c}' is a command worker, which would run a program on the server; start keel serve with --allow-command-workers to accept them")).ToArray(),
            };
        }

        var (workers, error) = WorkerFactory.Build(file, CliHost.LlmWorkers);
        return error is null
            ? new() { Definition = file.Definition, Workers = workers }
            : new() { Problems = [new DefinitionProblem("workers", error)] };
    }

    /// <summary>
    /// The JSON path a problem's message names, as the API keys problems (<c>steps[review].on_failure</c>): the
    /// step and the field of "step 'review', field 'on_failure': ...", the step alone or the field alone when only one is named.
    /// </summary>
    internal static string Field(string message)
    {
        var field = Quoted(message, "field '");
        var step = message.StartsWith("step '", StringComparison.Ordinal) ? Quoted(message, "step '") : null;
        return (step, field) switch
        {
            ({ } s, { } f) => $"steps[{s}].{f}",
            ({ } s, null) => $"steps[{s}]",
            (null, { } f) => f,
            _ => "content",
        };
    }

    private static string? Quoted(string message, string marker)
    {
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = message.IndexOf('\'', at + marker.Length);
        return end < 0 ? null : message[(at + marker.Length)..end];
    }
}
