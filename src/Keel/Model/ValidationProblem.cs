namespace Keel;

/// <summary>One problem in a workflow definition: which step, which field, what is wrong.</summary>
public sealed record ValidationProblem(string Workflow, string? StepId, string Field, string Message)
{
    /// <summary>The problem as one line: where it is (workflow, step, field) and what is wrong.</summary>
    public override string ToString()
        => StepId is null
            ? $"workflow '{Workflow}', field '{Field}': {Message}"
            : $"workflow '{Workflow}', step '{StepId}', field '{Field}': {Message}";
}
