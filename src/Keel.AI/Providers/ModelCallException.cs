namespace Keel.AI;

/// <summary>
/// A model call failed after the transient retries. The message names the provider and model and never
/// holds a secret; the original exception is not attached because its message may.
/// </summary>
public sealed class ModelCallException : KeelException
{
    /// <summary>Says a model call failed as <paramref name="message"/> describes (with no secret in it); <paramref name="status"/> is the last HTTP status, when there was a response.</summary>
    public ModelCallException(string message, int? status = null)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The HTTP status of the last response, when there was one.</summary>
    public int? Status { get; }
}
