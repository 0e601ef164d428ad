namespace Keel;

/// <summary>A workflow file read and checked: its definition and the workers it declares.</summary>
public sealed class WorkflowFile
{
    internal WorkflowFile(string path, WorkflowDefinition definition, IReadOnlyDictionary<string, WorkerDeclaration> workers)
    {
        Path = path;
        Definition = definition;
        Workers = workers;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The workflow the file defines, validated.</summary>
    public WorkflowDefinition Definition { get; }

    /// <summary>Every worker type the steps use, with its declaration (built-ins included when implied).</summary>
    public IReadOnlyDictionary<string, WorkerDeclaration> Workers { get; }
}
