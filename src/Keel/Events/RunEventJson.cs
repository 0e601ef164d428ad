using System.Text.Json;

namespace Keel;

/// <summary>How stores and streams write run events: JSON with a snake-case <c>type</c> discriminator.</summary>
public static class RunEventJson
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(RunCreated)] = "run_created",
        [typeof(AttemptStarted)] = "attempt_started",
        [typeof(AttemptRecorded)] = "attempt_recorded",
        [typeof(RunParked)] = "run_parked",
        [typeof(DecisionRecorded)] = "decision_recorded",
        [typeof(CancelRequested)] = "cancel_requested",
        [typeof(RunPaused)] = "run_paused",
        [typeof(RunResumed)] = "run_resumed",
        [typeof(RunEnded)] = "run_ended",
        [typeof(LeaseLost)] = "lease_lost",
        [typeof(BranchAttemptFinished)] = "branch_attempt_finished",
    };

    /// <summary>The recorded type name of an event (<c>attempt_recorded</c>, ...).</summary>
    public static string TypeName(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        return Names.TryGetValue(runEvent.GetType(), out var name) ? name : throw new ArgumentException($"Unknown run event type {runEvent.GetType().Name}.", nameof(runEvent));
    }

    /// <summary>The event as JSON text (its type discriminator first).</summary>
    public static string Serialize(RunEvent runEvent) => JsonSerializer.Serialize(runEvent, KeelJson.Options);

    /// <summary>Reads an event written by <see cref="Serialize"/>; throws <see cref="KeelException"/> naming the run and sequence when the text is not one.</summary>
    public static RunEvent Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<RunEvent>(json, KeelJson.Options) ?? throw new JsonException("null event");
        }
        catch (JsonException ex)
        {
            throw new KeelException($"A stored run event cannot be read ({ex.Message}): {(json.Length > 120 ? json[..120] + "..." : json)}", ex);
        }
    }
}
