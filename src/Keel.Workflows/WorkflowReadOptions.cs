namespace Keel;

/// <summary>
/// The bounds a workflow file is read within, so a hostile or broken file is refused with its position
/// instead of exhausting memory or the stack. The defaults suit any hand-written or generated workflow.
/// </summary>
public sealed record WorkflowReadOptions
{
    /// <summary>The defaults.</summary>
    public static WorkflowReadOptions Default { get; } = new();

    /// <summary>Largest file, in bytes (of UTF-8 text for a string): 8 MiB.</summary>
    public long MaxFileBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Deepest nesting of mappings and lists: 64.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Most YAML aliases (<c>*name</c>) a file may use: 1,000.</summary>
    public int MaxAliases { get; init; } = 1_000;

    /// <summary>Most nodes the document may hold once its aliases are expanded: 1,000,000.</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>
    /// The folder that command workers' relative working directories are resolved against, for text
    /// read with <see cref="WorkflowDocument.Parse"/>; default the current directory. A loaded file uses its own folder.
    /// </summary>
    public string? BaseDirectory { get; init; }
}
