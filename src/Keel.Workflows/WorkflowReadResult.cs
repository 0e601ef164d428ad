namespace Keel;

/// <summary>What reading a workflow file gave: the file, and every problem found in it, in file order.</summary>
public sealed class WorkflowReadResult
{
    internal WorkflowReadResult(WorkflowFile? file, IReadOnlyList<WorkflowFileProblem> problems)
    {
        File = file;
        Problems = problems;
    }

    /// <summary>The file as read; null when it could not be read into a definition at all (bad YAML, not a mapping, too large).</summary>
    public WorkflowFile? File { get; }

    /// <summary>Every problem, each with its position; empty when the file is valid.</summary>
    public IReadOnlyList<WorkflowFileProblem> Problems { get; }

    /// <summary>True when the file was read and has no problem (its definition passed validation).</summary>
    public bool IsValid => File is not null && Problems.Count == 0;

    /// <summary>The file when it is valid; throws <see cref="WorkflowFileException"/> listing the problems otherwise.</summary>
    public WorkflowFile EnsureValid() => IsValid ? File! : throw new WorkflowFileException(Problems);
}
