namespace Keel.Cli.Runs;

/// <summary>Where a command writes: results on <see cref="Out"/>, problems and notices on <see cref="Error"/>.</summary>
internal sealed record CommandIo(TextWriter Out, TextWriter Error)
{
    public static CommandIo Console { get; } = new(System.Console.Out, System.Console.Error);
}
