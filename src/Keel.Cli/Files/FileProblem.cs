namespace Keel.Cli.Files;

/// <summary>One problem in a workflow file, at a line and column (1-based; 0 when the problem has no place).</summary>
internal sealed record FileProblem(string File, int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
