using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Keel.Cli.Runs;

namespace Keel.Cli.Commands;

/// <summary>The help of every command, followed by the exit codes.</summary>
internal sealed class ExitCodesHelpAction(HelpAction inner, TextWriter output) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var code = inner.Invoke(parseResult);
        output.WriteLine("Exit codes:");
        foreach (var line in ExitCodes.Lines)
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine();
        return code;
    }
}
