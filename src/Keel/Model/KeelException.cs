namespace Keel;

/// <summary>The root of every exception Keel throws at its public edge. Messages name the culprit.</summary>
public class KeelException : Exception
{
    /// <summary>An error described by <paramref name="message"/>.</summary>
    public KeelException(string message)
        : base(message)
    {
    }

    /// <summary>An error described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public KeelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A workflow definition is invalid; <see cref="Problems"/> lists every problem found.</summary>
public sealed class WorkflowValidationException : KeelException
{
    /// <summary>Reports every problem found in the definition of <paramref name="workflowName"/>, one a line in the message.</summary>
    public WorkflowValidationException(string workflowName, IReadOnlyList<ValidationProblem> problems)
        : base(FormatMessage(workflowName, problems))
    {
        WorkflowName = workflowName;
        Problems = problems;
    }

    /// <summary>The name of the invalid workflow.</summary>
    public string WorkflowName { get; }

    /// <summary>Every problem found, each naming its step and field.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    private static string FormatMessage(string workflowName, IReadOnlyList<ValidationProblem> problems)
        => $"Workflow '{workflowName}' is invalid:" + Environment.NewLine
            + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}

/// <summary>A run id names no run in the store.</summary>
public sealed class RunNotFoundException : KeelException
{
    /// <summary>Says no run with id <paramref name="runId"/> is stored.</summary>
    public RunNotFoundException(string runId)
        : base($"Run '{runId}' does not exist in the run store.")
    {
        RunId = runId;
    }

    /// <summary>The run id that was not found.</summary>
    public string RunId { get; }
}

/// <summary>Another process holds the run's lease, or this process lost it.</summary>
public sealed class RunOwnedElsewhereException : KeelException
{
    /// <summary>Says <paramref name="runId"/> is held by <paramref name="owner"/> until <paramref name="leaseExpires"/>; a null owner means another call in this process drives it or its lease was just taken.</summary>
    public RunOwnedElsewhereException(string runId, string? owner, DateTimeOffset? leaseExpires)
        : base(owner is null
            ? $"Run '{runId}' is being driven elsewhere (another call in this process, or its lease was just taken)."
            : $"Run '{runId}' is owned elsewhere (owner '{owner}'{(leaseExpires is { } until ? $", lease until {until:O}" : string.Empty)}).")
    {
        RunId = runId;
        Owner = owner;
        LeaseExpires = leaseExpires;
    }

    /// <summary>The run that could not be claimed.</summary>
    public string RunId { get; }

    /// <summary>The lease holder as the store recorded it, or null when unknown.</summary>
    public string? Owner { get; }

    /// <summary>When the holder's lease lapses (store clock), or null when unknown.</summary>
    public DateTimeOffset? LeaseExpires { get; }
}

/// <summary>An executor may throw this to say its output is invalid (the attempt is recorded as InvalidOutput).</summary>
public sealed class InvalidWorkerOutputException : KeelException
{
    /// <summary>Marks the worker's output invalid for the reason in <paramref name="message"/>.</summary>
    public InvalidWorkerOutputException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A stored run is pinned to a definition that differs from the registered one.</summary>
public sealed class DefinitionChangedException : KeelException
{
    /// <summary>Says run <paramref name="runId"/> of <paramref name="workflowName"/> is pinned to <paramref name="pinnedHash"/> while <paramref name="registeredHash"/> is registered (both SHA-256 hex, at least 12 characters).</summary>
    public DefinitionChangedException(string runId, string workflowName, string pinnedHash, string registeredHash)
        : base($"Run '{runId}' is pinned to a different definition of workflow '{workflowName}' (pinned {pinnedHash[..12]}, registered {registeredHash[..12]}). Resume with AllowDefinitionChange to continue on the registered definition.")
    {
        RunId = runId;
        WorkflowName = workflowName;
        PinnedHash = pinnedHash;
        RegisteredHash = registeredHash;
    }

    /// <summary>The run whose pinned definition differs.</summary>
    public string RunId { get; }

    /// <summary>The workflow whose definition changed.</summary>
    public string WorkflowName { get; }

    /// <summary>The SHA-256 (hex) of the definition the run was started on.</summary>
    public string PinnedHash { get; }

    /// <summary>The SHA-256 (hex) of the definition registered now.</summary>
    public string RegisteredHash { get; }
}
