using System.CommandLine;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary><c>keel graph FILE --format mermaid|dot</c>: the workflow's state machine as a drawing.</summary>
internal static class GraphCommand
{
    public static Command Create(CommandIo io)
    {
        var file = CommonOptions.File();
        var format = new Option<string>("--format", "-f")
        {
            Description = "mermaid (a flowchart for Markdown) or dot (Graphviz). Success edges are solid, failure edges dashed.",
            DefaultValueFactory = _ => "mermaid",
        };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Draw a workflow's state machine: steps, success, failure and retry edges, terminals.") { file, format };
        command.SetAction(parse => Execute(io, parse.GetValue(file)!, parse.GetValue(format)!));
        return command;
    }

    private static int Execute(CommandIo io, string path, string format)
    {
        var loaded = WorkflowDocument.Load(path);
        if (loaded.File is null)
        {
            foreach (var problem in loaded.Problems)
            {
                io.Error.WriteLine(problem);
            }

            return ExitCodes.BadInput;
        }

        var graph = WorkflowGraph.From(loaded.File.Definition);
        io.Out.Write(format == "dot" ? DotFormatter.Format(graph) : MermaidFormatter.Format(graph));
        foreach (var problem in loaded.Problems)
        {
            io.Error.WriteLine("warning: " + problem);
        }

        return loaded.Problems.Count == 0 ? ExitCodes.Completed : ExitCodes.BadInput;
    }
}
