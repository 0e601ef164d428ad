namespace Keel;

/// <summary>A node of a workflow file, YAML or JSON, with the position it starts at (1-based).</summary>
internal abstract record DocNode(int Line, int Column)
{
    public abstract string KindName { get; }
}

/// <summary>A scalar. <see cref="Quoted"/> is true for a quoted YAML scalar or a JSON string.</summary>
internal sealed record DocScalar(string? Value, bool Quoted, int Line, int Column) : DocNode(Line, Column)
{
    /// <summary>An unquoted null, ~, empty value (YAML) or JSON null.</summary>
    public bool IsNull => !Quoted && (Value is null || Value.Length == 0 || Value == "~" || Value == "null" || Value == "Null" || Value == "NULL");

    public override string KindName => IsNull ? "null" : Quoted ? "a string" : "a scalar";
}

internal sealed record DocMap(IReadOnlyList<KeyValuePair<DocScalar, DocNode>> Entries, int Line, int Column) : DocNode(Line, Column)
{
    public override string KindName => "a mapping";
}

internal sealed record DocSeq(IReadOnlyList<DocNode> Items, int Line, int Column) : DocNode(Line, Column)
{
    public override string KindName => "a list";
}
