namespace Keel;

/// <summary>A workflow file that cannot be used, with every problem at its position.</summary>
public sealed class WorkflowFileException : KeelException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public WorkflowFileException(IReadOnlyList<WorkflowFileProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem, each with its position.</summary>
    public IReadOnlyList<WorkflowFileProblem> Problems { get; }

    private static string Describe(IReadOnlyList<WorkflowFileProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 0
            ? "The workflow file is not valid."
            : $"The workflow file has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:" + Environment.NewLine + string.Join(Environment.NewLine, problems);
    }
}
