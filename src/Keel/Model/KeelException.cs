namespace Keel;

/// <summary>The root of every exception Keel throws at its public edge. Messages name the culprit.</summary>
public class KeelException : Exception
{
    public KeelException(string message)
        : base(message)
    {
    }

    public KeelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A workflow definition is invalid; <see cref="Problems"/> lists every problem found.</summary>
public sealed class WorkflowValidationException : KeelException
{
    public WorkflowValidationException(string workflowName, IReadOnlyList<ValidationProblem> problems)
        : base(FormatMessage(workflowName, problems))
    {
        WorkflowName = workflowName;
        Problems = problems;
    }

    public string WorkflowName { get; }

    public IReadOnlyList<ValidationProblem> Problems { get; }

    private static string FormatMessage(string workflowName, IReadOnlyList<ValidationProblem> problems)
        => $"Workflow '{workflowName}' is invalid:" + Environment.NewLine
            + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}

/// <summary>A run id names no run in the store.</summary>
public sealed class RunNotFoundException : KeelException
{
    public RunNotFoundException(string runId)
        : base($"Run '{runId}' does not exist in the run store.")
    {
        RunId = runId;
    }

    public string RunId { get; }
}

/// <summary>Another process holds the run's lease, or this process lost it.</summary>
public sealed class RunOwnedElsewhereException : KeelException
{
    public RunOwnedElsewhereException(string runId, string? owner, DateTimeOffset? leaseExpires)
        : base(owner is null
            ? $"Run '{runId}' is being driven elsewhere (another call in this process, or its lease was just taken)."
            : $"Run '{runId}' is owned elsewhere (owner '{owner}'{(leaseExpires is { } until ? $", lease until {until:O}" : string.Empty)}).")
    {
        RunId = runId;
        Owner = owner;
        LeaseExpires = leaseExpires;
    }

    public string RunId { get; }

    public string? Owner { get; }

    public DateTimeOffset? LeaseExpires { get; }
}

/// <summary>An executor may throw this to say its output is invalid (the attempt is recorded as InvalidOutput).</summary>
public sealed class InvalidWorkerOutputException : KeelException
{
    public InvalidWorkerOutputException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A stored run is pinned to a definition that differs from the registered one.</summary>
public sealed class DefinitionChangedException : KeelException
{
    public DefinitionChangedException(string runId, string workflowName, string pinnedHash, string registeredHash)
        : base($"Run '{runId}' is pinned to a different definition of workflow '{workflowName}' (pinned {pinnedHash[..12]}, registered {registeredHash[..12]}). Resume with AllowDefinitionChange to continue on the registered definition.")
    {
        RunId = runId;
        WorkflowName = workflowName;
        PinnedHash = pinnedHash;
        RegisteredHash = registeredHash;
    }

    public string RunId { get; }

    public string WorkflowName { get; }

    public string PinnedHash { get; }

    public string RegisteredHash { get; }
}
