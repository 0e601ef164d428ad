namespace Keel;

/// <summary>One problem in a workflow file, at a line and column (1-based; 0 when the problem has no place).</summary>
/// <param name="File">The file's name as the reader was given it.</param>
/// <param name="Line">The 1-based line, or 0.</param>
/// <param name="Column">The 1-based column, or 0.</param>
/// <param name="Message">What is wrong, naming the step and field where there is one.</param>
public sealed record WorkflowFileProblem(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: message</c>, the form compilers and editors recognise.</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
