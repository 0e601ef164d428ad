namespace Keel;

/// <summary>The two notations of a workflow file. Both hold the same document, with the same snake_case fields.</summary>
public enum WorkflowFormat
{
    /// <summary>YAML (<c>.yaml</c>, <c>.yml</c>), the default.</summary>
    Yaml,

    /// <summary>JSON (<c>.json</c>, or text that starts with <c>{</c>).</summary>
    Json,
}
